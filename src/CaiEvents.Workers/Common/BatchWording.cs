namespace CaiEvents.Workers.Common;

/// <summary>How a batch consumer's log lines name its work, e.g. ("pair commands", "generation", "generating").</summary>
public sealed record BatchWording(string Commands, string Work, string Doing);
