namespace CaiEvents.Domain.Prompts;

/// <summary>Which human turn of a transcript becomes the prompt.</summary>
public enum TranscriptTurn
{
    /// <summary>The opening human message: the prompt that started the conversation.</summary>
    First,

    /// <summary>The human message answered by the final assistant reply.</summary>
    Last,
}
