namespace CaiEvents.Workers.Common;

public sealed class UnknownItemException(Guid itemId) : Exception($"item stream {itemId} (sample or comparison) does not exist in the event store");
