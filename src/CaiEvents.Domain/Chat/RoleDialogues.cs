using CaiEvents.Contracts;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;

namespace CaiEvents.Domain.Chat;

/// <summary>
/// What each role says to an instruct model, as chat messages: the paper's dialogue (<see cref="PromptFormat"/>,
/// <see cref="FeedbackPrompt"/>) with its labelled parts turned into turns. The critique and revision requests are user
/// turns after the assistant's answer; the feedback question is one user turn, answered after an assistant prefill.
/// Pure, so every rendered prompt in an event can be re-derived. Base models keep the paper's plain text.
/// </summary>
public static class RoleDialogues
{
    /// <summary>Appended to a template version (<see cref="PromptFormat.TemplateVersion"/>, the feedback version) for chat prompts.</summary>
    public const string ChatSuffix = "+chat";

    /// <summary>The template version recorded for a prompt rendered as chat: e.g. <c>sl-v1+chat</c>.</summary>
    public static string ChatVersion(string templateVersion) => templateVersion + ChatSuffix;

    /// <summary>The response step: the prompt as the user's turn.</summary>
    public static IReadOnlyList<ChatMessage> Response(string prompt) => [ChatMessage.FromUser(prompt)];

    /// <summary>
    /// The critique step: prompt, initial response, then each earlier round (critique request, critique, revision request,
    /// revision), then this round's critique request as the last user turn.
    /// </summary>
    /// <remarks>
    /// Few-shot <paramref name="examples"/> come first as earlier turns of the same chat: each example's conversation (its embedded
    /// turns as user/assistant turns), then its critique request (user), critique (assistant), revision request (user) and revision
    /// (assistant). Without examples the messages are exactly the zero-shot ones.
    /// </remarks>
    public static IReadOnlyList<ChatMessage> Critique(string prompt, string initialResponse, IReadOnlyList<CompletedRound> earlierRounds,
        string critiqueRequest, IReadOnlyList<CritiqueRevisionExample>? examples = null) =>
        [.. Examples(examples), .. Conversation(prompt, initialResponse, earlierRounds), ChatMessage.FromUser(critiqueRequest)];

    /// <summary>The revision step: the critique step's turns, then the critique as the assistant's turn and the revision request.</summary>
    public static IReadOnlyList<ChatMessage> Revision(string prompt, string initialResponse, IReadOnlyList<CompletedRound> earlierRounds,
        string critiqueRequest, string critique, string revisionRequest, IReadOnlyList<CritiqueRevisionExample>? examples = null) =>
        [.. Critique(prompt, initialResponse, earlierRounds, critiqueRequest, examples), ChatMessage.FromAssistant(critique),
            ChatMessage.FromUser(revisionRequest)];

    /// <summary>
    /// The feedback question (conversation, principle, options (A)/(B)) as one user turn. The prompt then continues after
    /// the template's generation prompt with <see cref="FeedbackPrompt.AnswerLead"/> (or <see cref="FeedbackPrompt.ReasoningLead"/>).
    /// Few-shot <paramref name="examples"/> come first, each as a user turn with its question and an assistant turn with its answer
    /// (<see cref="FeedbackPrompt.Answer"/>).
    /// </summary>
    public static IReadOnlyList<ChatMessage> Feedback(string prompt, string question, string first, string second,
        IReadOnlyList<PlacedFeedbackExample>? examples = null) =>
    [
        .. (examples ?? []).SelectMany(e => new[]
        {
            ChatMessage.FromUser(FeedbackPrompt.Question(e.Example.Prompt, question, e.First, e.Second).TrimEnd('\n')),
            ChatMessage.FromAssistant(FeedbackPrompt.Answer(e)),
        }),
        ChatMessage.FromUser(FeedbackPrompt.Question(prompt, question, first, second).TrimEnd('\n')),
    ];

    private static IEnumerable<ChatMessage> Examples(IReadOnlyList<CritiqueRevisionExample>? examples) =>
        (examples ?? []).SelectMany(e => DialogueTranscripts.PromptTurns(e.Prompt)
            .Select(t => t.Human ? ChatMessage.FromUser(t.Text) : ChatMessage.FromAssistant(t.Text))
            .Concat(
            [
                ChatMessage.FromAssistant(e.Response), ChatMessage.FromUser(e.CritiqueRequest), ChatMessage.FromAssistant(e.Critique),
                ChatMessage.FromUser(e.RevisionRequest), ChatMessage.FromAssistant(e.Revision),
            ]));

    private static List<ChatMessage> Conversation(string prompt, string initialResponse, IReadOnlyList<CompletedRound> earlierRounds)
    {
        var messages = new List<ChatMessage> { ChatMessage.FromUser(prompt), ChatMessage.FromAssistant(initialResponse) };
        foreach (var r in earlierRounds)
        {
            messages.Add(ChatMessage.FromUser(r.CritiqueRequest));
            messages.Add(ChatMessage.FromAssistant(r.Critique));
            messages.Add(ChatMessage.FromUser(r.RevisionRequest));
            messages.Add(ChatMessage.FromAssistant(r.Revision));
        }
        return messages;
    }
}
