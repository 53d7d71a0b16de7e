namespace CaiEvents.Contracts;

/// <summary>How a model samples text. Recorded in every event that carries generated text.</summary>
public sealed record SamplingParameters(
    double Temperature = 0.8,
    double TopP = 0.95,
    int TopK = 0,
    int MaxNewTokens = 96,
    IReadOnlyList<string>? StopSequences = null)
{
    public static readonly SamplingParameters Greedy = new(Temperature: 0, TopP: 1, TopK: 0);
}
