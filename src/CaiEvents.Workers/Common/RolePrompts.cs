using CaiEvents.Domain.Chat;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.Models.Chat;

namespace CaiEvents.Workers.Common;

/// <summary>
/// The one place where the Generator, Critic, Reviser and Labeller render their prompts: with the model's chat template
/// when it has one (the role's messages, <see cref="RoleDialogues"/>, after which the generation prompt asks for the
/// assistant's turn), else the paper's <c>Human:/Assistant:</c> text exactly as before (<see cref="PromptFormat"/>,
/// <see cref="FeedbackPrompt"/>). The same template also decides the stop sequences and how generated text is cut.
/// </summary>
public static class RolePrompts
{
    /// <summary>The response step's prompt.</summary>
    public static string Response(ChatTemplate? template, string prompt) =>
        template is null ? PromptFormat.RenderResponsePrompt(prompt) : template.Render(RoleDialogues.Response(prompt), addGenerationPrompt: true);

    /// <summary>The critique step's prompt.</summary>
    public static string Critique(ChatTemplate? template, string prompt, string initialResponse, IReadOnlyList<CompletedRound> earlierRounds,
        string critiqueRequest, IReadOnlyList<CritiqueRevisionExample>? examples = null) =>
        template is null
            ? PromptFormat.RenderCritiquePrompt(prompt, initialResponse, earlierRounds, critiqueRequest, examples)
            : template.Render(RoleDialogues.Critique(prompt, initialResponse, earlierRounds, critiqueRequest, examples), addGenerationPrompt: true);

    /// <summary>The revision step's prompt.</summary>
    public static string Revision(ChatTemplate? template, string prompt, string initialResponse, IReadOnlyList<CompletedRound> earlierRounds,
        string critiqueRequest, string critique, string revisionRequest, IReadOnlyList<CritiqueRevisionExample>? examples = null) =>
        template is null
            ? PromptFormat.RenderRevisionPrompt(prompt, initialResponse, earlierRounds, critiqueRequest, critique, revisionRequest, examples)
            : template.Render(RoleDialogues.Revision(prompt, initialResponse, earlierRounds, critiqueRequest, critique, revisionRequest, examples),
                addGenerationPrompt: true);

    /// <summary>The feedback question, ending with <c>The answer is:</c> (for chat: after the generation prompt, as the assistant's prefill).</summary>
    public static string Feedback(ChatTemplate? template, string prompt, string question, string first, string second,
        IReadOnlyList<PlacedFeedbackExample>? examples = null) =>
        template is null
            ? FeedbackPrompt.Render(prompt, question, first, second, examples)
            : template.Render(RoleDialogues.Feedback(prompt, question, first, second, examples), addGenerationPrompt: true) + FeedbackPrompt.AnswerLead;

    /// <summary>
    /// The chain-of-thought question, ending with <c>Let's think step by step:</c> (the assistant's prefill for chat); the scored
    /// prompt after the reasoning is <see cref="FeedbackPrompt.RenderAfterReasoning"/> of it, for both kinds of model.
    /// </summary>
    public static string FeedbackReasoning(ChatTemplate? template, string prompt, string question, string first, string second,
        IReadOnlyList<PlacedFeedbackExample>? examples = null) =>
        template is null
            ? FeedbackPrompt.RenderReasoning(prompt, question, first, second, examples)
            : template.Render(RoleDialogues.Feedback(prompt, question, first, second, examples), addGenerationPrompt: true) + FeedbackPrompt.ReasoningLead;

    /// <summary>
    /// Stop sequences for a generation: <paramref name="stops"/> (the paper's turn markers unless given), plus the template's
    /// end-of-turn text for chat. The model stops on its end-of-turn token id itself; the text stop is a second guard.
    /// </summary>
    public static IReadOnlyList<string> StopSequences(ChatTemplate? template, IReadOnlyList<string>? stops = null)
    {
        var basis = stops ?? PromptFormat.StopSequences;
        return template is null || template.EndOfTurn.Length == 0 || basis.Contains(template.EndOfTurn, StringComparer.Ordinal)
            ? basis
            : [.. basis, template.EndOfTurn];
    }

    /// <summary>Generated text cut at the template's end of turn (chat) and at the paper's turn markers, trimmed.</summary>
    public static string Cut(ChatTemplate? template, string generated) => PromptFormat.CutAtTurnMarker(CutAtEndOfTurn(template, generated));

    /// <summary>A generated revision, cut at the template's end of turn (chat), then cleaned as <see cref="PromptFormat.CleanRevision"/>.</summary>
    public static string CleanRevision(ChatTemplate? template, string generated) => PromptFormat.CleanRevision(CutAtEndOfTurn(template, generated));

    private static string CutAtEndOfTurn(ChatTemplate? template, string generated)
    {
        if (template is null || template.EndOfTurn.Length == 0) return generated;
        var end = generated.IndexOf(template.EndOfTurn, StringComparison.Ordinal);
        return end >= 0 ? generated[..end] : generated;
    }
}
