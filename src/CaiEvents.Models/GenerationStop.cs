namespace CaiEvents.Models;

/// <summary>Why a generated row ended.</summary>
public enum GenerationStop
{
    MaxNewTokens,
    EndOfText,
    StopSequence,
}
