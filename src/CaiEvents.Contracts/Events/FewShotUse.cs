namespace CaiEvents.Contracts.Events;

/// <summary>
/// A few-shot example that was prepended to a step's prompt: its id in the constitution and the sha256 of its content
/// (see the constitution docs for what is hashed), so an audit shows exactly which worked examples the model saw.
/// </summary>
public sealed record FewShotUse(string Id, string ContentHash);
