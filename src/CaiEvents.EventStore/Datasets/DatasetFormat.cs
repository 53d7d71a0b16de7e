namespace CaiEvents.EventStore.Datasets;

/// <summary>
/// How an exported row is shaped: TRL's standard format (plain strings: <c>prompt</c>/<c>completion</c>, <c>prompt</c>/<c>chosen</c>/<c>rejected</c>)
/// or its conversational format (lists of <c>{role, content}</c> messages).
/// </summary>
public enum DatasetFormat { Text, Conversational }
