namespace CaiEvents.Application;

/// <summary>A mistake in how a use case was called (an option, an id, a missing input); shown as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
