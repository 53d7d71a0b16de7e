namespace CaiEvents.Workers.Submission;

/// <summary>How a run is written ("Submission" in configuration).</summary>
public sealed record SubmissionOptions
{
    public const string Section = "Submission";

    /// <summary>Prompts written per transaction (and sent before the next chunk is written).</summary>
    public int ChunkSize { get; init; } = 1_000;
}
