using System.Text;
using CaiEvents.Domain.Constitutions;

namespace CaiEvents.Domain.Rl;

/// <summary>
/// The multiple-choice feedback question in the paper's shape: the conversation, a comparison principle,
/// <c>Options:</c> (A) and (B), and <c>The answer is:</c>. The label is read from the probabilities of the
/// continuations <c>" (A)"</c> and <c>" (B)"</c>. Pure, so every rendered prompt in an event can be re-derived.
/// </summary>
public static class FeedbackPrompt
{
    /// <summary>Recorded in every label; bump it whenever the rendered text changes.</summary>
    public const string TemplateVersion = "feedback-v1";

    public const string Preamble = "Consider the following conversation between a human and an assistant:";
    public const string AnswerLead = "The answer is:";
    public const string ReasoningLead = "Let's think step by step:";

    public static readonly string OptionA = Option('A');
    public static readonly string OptionB = Option('B');

    /// <summary>The continuation that names an option: <c>" (A)"</c> or <c>" (B)"</c>.</summary>
    public static string Option(char option) => option is 'A' or 'B'
        ? $" ({option})"
        : throw new ArgumentOutOfRangeException(nameof(option), option, "option must be 'A' or 'B'");

    /// <summary>
    /// The question ending in <c>The answer is:</c>. Few-shot <paramref name="examples"/>, when given, come first, each as the same
    /// question about the example's conversation, answered (<see cref="AnsweredExample"/>); without them the text is exactly the
    /// zero-shot question.
    /// </summary>
    public static string Render(string prompt, string question, string first, string second, IReadOnlyList<PlacedFeedbackExample>? examples = null) =>
        Examples(question, examples) + Question(prompt, question, first, second) + AnswerLead;

    /// <summary>Chain-of-thought variant: the model first writes its reasoning after this prompt.</summary>
    public static string RenderReasoning(string prompt, string question, string first, string second,
        IReadOnlyList<PlacedFeedbackExample>? examples = null) =>
        Examples(question, examples) + Question(prompt, question, first, second) + ReasoningLead;

    /// <summary>
    /// A few-shot example as text: the question (with this label's principle) about the example's conversation, its better and worse
    /// answers as the options on their drawn sides, then <c>The answer is: (A)</c> or <c>(B)</c> and a blank line.
    /// </summary>
    public static string AnsweredExample(string question, PlacedFeedbackExample example) =>
        Question(example.Example.Prompt, question, example.First, example.Second) + Answer(example) + "\n\n";

    /// <summary>An example's answer line: <c>The answer is: (A)</c> or <c>The answer is: (B)</c>.</summary>
    public static string Answer(PlacedFeedbackExample example) => AnswerLead + Option(example.Answer);

    private static string Examples(string question, IReadOnlyList<PlacedFeedbackExample>? examples) =>
        examples is null or { Count: 0 } ? "" : string.Concat(examples.Select(e => AnsweredExample(question, e)));

    /// <summary>The prompt that is scored after the reasoning: reasoning, then <c>The answer is:</c>.</summary>
    public static string RenderAfterReasoning(string reasoningPrompt, string reasoning) => $"{reasoningPrompt} {reasoning.Trim()}\n{AnswerLead}";

    /// <summary>
    /// The question without its lead: preamble, conversation, principle, options, each option line ending in a newline.
    /// A chat model gets it as the user turn (see <see cref="Chat.RoleDialogues.Feedback"/>).
    /// </summary>
    public static string Question(string prompt, string question, string first, string second)
    {
        var sb = new StringBuilder();
        sb.Append(Preamble).Append("\n\n")
          .Append("Human: ").Append(prompt).Append("\n\n")
          .Append(question).Append('\n')
          .Append("Options:\n")
          .Append("(A) ").Append(first).Append('\n')
          .Append("(B) ").Append(second).Append('\n');
        return sb.ToString();
    }
}
