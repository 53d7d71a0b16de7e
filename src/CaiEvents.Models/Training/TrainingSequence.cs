namespace CaiEvents.Models.Training;

/// <summary>
/// One training sequence: token ids and, per position, whether that token is a target of the loss
/// (SL-CAI fine-tuning trains on completion tokens only; language-model pre-training on all of them).
/// </summary>
public sealed record TrainingSequence(int[] Tokens, bool[] IsTarget)
{
    public static TrainingSequence PromptCompletion(int[] prompt, int[] completion)
    {
        var tokens = prompt.Concat(completion).ToArray();
        return new TrainingSequence(tokens, tokens.Select((_, i) => i >= prompt.Length).ToArray());
    }

    public static TrainingSequence Document(int[] tokens) => new(tokens, tokens.Select((_, i) => i > 0).ToArray());

    /// <summary>Keeps the last <paramref name="maxLength"/> tokens (the completion end), as a context window would.</summary>
    public TrainingSequence Truncate(int maxLength) =>
        Tokens.Length <= maxLength ? this : new(Tokens[^maxLength..], IsTarget[^maxLength..]);
}
