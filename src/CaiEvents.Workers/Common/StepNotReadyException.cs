namespace CaiEvents.Workers.Common;

/// <summary>The step's inputs are not on the stream yet; thrown so MassTransit retries the message.</summary>
public sealed class StepNotReadyException(string reason) : Exception(reason);
