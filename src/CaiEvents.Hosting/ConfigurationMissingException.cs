namespace CaiEvents.Hosting;

/// <summary>A setting the process cannot run without is missing (a one-line error for the CLI).</summary>
public sealed class ConfigurationMissingException(string message) : Exception(message);
