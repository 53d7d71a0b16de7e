namespace CaiEvents.Workers.Common;

public sealed class UnknownRunException(Guid runId) : Exception($"run {runId} does not exist in the event store");
