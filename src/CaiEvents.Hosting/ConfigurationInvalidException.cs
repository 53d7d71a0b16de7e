namespace CaiEvents.Hosting;

/// <summary>A setting has a value the process cannot use; the message is one line naming the setting.</summary>
public sealed class ConfigurationInvalidException(string message) : Exception(message);
