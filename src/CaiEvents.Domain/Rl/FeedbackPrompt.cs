using System.Text;

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

    public static string Render(string prompt, string question, string first, string second) => Question(prompt, question, first, second) + AnswerLead;

    /// <summary>Chain-of-thought variant: the model first writes its reasoning after this prompt.</summary>
    public static string RenderReasoning(string prompt, string question, string first, string second) =>
        Question(prompt, question, first, second) + ReasoningLead;

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
