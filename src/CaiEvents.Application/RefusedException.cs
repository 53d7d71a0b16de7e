namespace CaiEvents.Application;

/// <summary>The use case will not run in the current state (e.g. workers are writing); shown as one line, exit code 1.</summary>
public sealed class RefusedException(string message) : Exception(message);
