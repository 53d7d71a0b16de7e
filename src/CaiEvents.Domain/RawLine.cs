namespace CaiEvents.Domain;

/// <summary>One raw line of a JSONL file: its 1-based number, the byte offset where it starts and its bytes (no line end).</summary>
internal readonly record struct RawLine(int Number, long Offset, ReadOnlyMemory<byte> Bytes);
