using System.Text;

namespace CaiEvents.Models.Demo;

/// <summary>
/// The text layouts the demo corpus is written in. They mirror the pipeline's prompts exactly (the supervised
/// stage's <c>Human/Assistant/Critique Request/…</c> turns, and the paper-style multiple-choice feedback prompt), so
/// a model trained on the corpus continues those prompts in kind.
/// </summary>
public static class DemoFormats
{
    public const string HumanMarker = "Human:";
    public const string AssistantMarker = "Assistant:";
    public const string CritiqueRequestMarker = "Critique Request:";
    public const string CritiqueMarker = "Critique:";
    public const string RevisionRequestMarker = "Revision Request:";
    public const string RevisionMarker = "Revision:";

    /// <summary>First line of the feedback prompt.</summary>
    public const string FeedbackPreamble = "Consider the following conversation between a human and an assistant:";

    /// <summary>The feedback prompt ends with this; the model's next tokens should be <see cref="OptionContinuation"/>.</summary>
    public const string AnswerLead = "The answer is:";

    /// <summary><c>Human: {prompt}\n\nAssistant: {response}</c>.</summary>
    public static string Exchange(string prompt, string response) => $"{HumanMarker} {prompt}\n\n{AssistantMarker} {response}";

    /// <summary>One critique/revision round, to be appended to an exchange (starts with the blank line).</summary>
    public static string Round(string critiqueRequest, string critique, string revisionRequest, string revision) =>
        $"\n\n{CritiqueRequestMarker} {critiqueRequest}\n\n{CritiqueMarker} {critique}"
        + $"\n\n{RevisionRequestMarker} {revisionRequest}\n\n{RevisionMarker} {revision}";

    /// <summary>
    /// The multiple-choice feedback prompt, up to and including <see cref="AnswerLead"/> (no trailing space):
    /// <c>Consider the following conversation …:\n\nHuman: {prompt}\n\n{question}\nOptions:\n(A) {a}\n(B) {b}\nThe answer is:</c>.
    /// </summary>
    public static string ComparisonPrompt(string prompt, string question, string optionA, string optionB)
    {
        var sb = new StringBuilder();
        sb.Append(FeedbackPreamble).Append("\n\n")
          .Append(HumanMarker).Append(' ').Append(prompt).Append("\n\n")
          .Append(question).Append('\n')
          .Append("Options:\n")
          .Append("(A) ").Append(optionA).Append('\n')
          .Append("(B) ").Append(optionB).Append('\n')
          .Append(AnswerLead);
        return sb.ToString();
    }

    /// <summary>The continuation naming an option: <c>" (A)"</c> or <c>" (B)"</c>.</summary>
    public static string OptionContinuation(char option) => option is 'A' or 'B'
        ? $" ({option})"
        : throw new ArgumentOutOfRangeException(nameof(option), option, "Option must be 'A' or 'B'.");
}
