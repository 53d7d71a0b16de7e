namespace CaiEvents.Domain.Prompts;

/// <summary>A prompt set taken from HH-RLHF transcripts by <see cref="TranscriptPromptExtractor"/>.</summary>
/// <param name="Prompts">One prompt per distinct text, in order of first appearance; each id names its source line (<c>line-N</c>).</param>
/// <param name="Duplicates">Transcript lines whose prompt text appeared on an earlier line (dropped).</param>
public sealed record TranscriptPromptSet(IReadOnlyList<PromptRecord> Prompts, int Duplicates);
