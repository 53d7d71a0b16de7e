using CaiEvents.Contracts;
using CaiEvents.Models.Chat;

namespace CaiEvents.Models.Demo;

/// <summary>
/// The demo corpus as chat: the same messages the roles send an instruct model (Domain's <c>RoleDialogues</c>, rendered by
/// Workers' <c>RolePrompts</c>), built here because Models references neither. The critique and revision requests are user
/// turns after the assistant's answer; the feedback question is one user turn, answered after the generation prompt with the
/// prefill <see cref="DemoFormats.AnswerLead"/>. A unit test holds these to the roles' own texts.
/// </summary>
public static class DemoDialogues
{
    /// <summary>The response step: the prompt as the user's turn.</summary>
    public static IReadOnlyList<ChatMessage> Response(string prompt) => [ChatMessage.FromUser(prompt)];

    /// <summary>The critique step: prompt, initial response, each earlier round, then this round's critique request.</summary>
    public static IReadOnlyList<ChatMessage> Critique(string prompt, string initialResponse, IReadOnlyList<CritiqueRevisionRound> earlierRounds,
        string critiqueRequest) =>
        [.. Conversation(prompt, initialResponse, earlierRounds), ChatMessage.FromUser(critiqueRequest)];

    /// <summary>The revision step: the critique step's turns, then the critique as the assistant's turn and the revision request.</summary>
    public static IReadOnlyList<ChatMessage> Revision(string prompt, string initialResponse, IReadOnlyList<CritiqueRevisionRound> earlierRounds,
        string critiqueRequest, string critique, string revisionRequest) =>
        [.. Critique(prompt, initialResponse, earlierRounds, critiqueRequest), ChatMessage.FromAssistant(critique),
            ChatMessage.FromUser(revisionRequest)];

    /// <summary>The feedback question (conversation, principle, options (A)/(B)) as one user turn, without its answer lead.</summary>
    public static IReadOnlyList<ChatMessage> Feedback(string prompt, string question, string optionA, string optionB)
    {
        var full = DemoFormats.ComparisonPrompt(prompt, question, optionA, optionB);
        return [ChatMessage.FromUser(full[..^DemoFormats.AnswerLead.Length].TrimEnd('\n'))];
    }

    /// <summary>The scored feedback prompt: the question rendered with the generation prompt, then the prefill <c>The answer is:</c>.</summary>
    public static string FeedbackPrompt(ChatTemplate template, ComparisonItem item)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(item);
        return template.Render(Feedback(item.Prompt, item.Question, item.OptionA, item.OptionB), addGenerationPrompt: true) + DemoFormats.AnswerLead;
    }

    /// <summary>A whole dialogue: prompt and answer, then each round's four turns.</summary>
    public static IReadOnlyList<ChatMessage> Conversation(string prompt, string initialResponse, IReadOnlyList<CritiqueRevisionRound> rounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        var messages = new List<ChatMessage> { ChatMessage.FromUser(prompt), ChatMessage.FromAssistant(initialResponse) };
        foreach (var r in rounds)
        {
            messages.Add(ChatMessage.FromUser(r.CritiqueRequest));
            messages.Add(ChatMessage.FromAssistant(r.Critique));
            messages.Add(ChatMessage.FromUser(r.RevisionRequest));
            messages.Add(ChatMessage.FromAssistant(r.Revision));
        }
        return messages;
    }

    /// <summary>
    /// A corpus document as one chat text, every assistant turn ending in the template's end of turn: a dialogue rendered whole
    /// (it starts with the response prompt, and each critique and revision follows its prompt), a comparison as the feedback
    /// prompt answered with the harmless option, <c>The answer is: (X)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A dialogue document without <see cref="CorpusDocument.Turns"/>.</exception>
    public static string Render(ChatTemplate template, CorpusDocument document)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(document);
        if (document.Comparison is { } item)
        {
            IReadOnlyList<ChatMessage> answered =
                [.. Feedback(item.Prompt, item.Question, item.OptionA, item.OptionB),
                    ChatMessage.FromAssistant(DemoFormats.AnswerLead + item.CorrectContinuation)];
            return template.Render(answered, addGenerationPrompt: false);
        }
        var turns = document.Turns;
        if (turns is null || turns.Count < 2 || (turns.Count - 2) % 4 != 0)
        {
            throw new ArgumentException("A dialogue document needs its turns: prompt, answer, then four per round.", nameof(document));
        }
        var rounds = Enumerable.Range(0, (turns.Count - 2) / 4)
            .Select(i => new CritiqueRevisionRound(turns[2 + 4 * i], turns[3 + 4 * i], turns[4 + 4 * i], turns[5 + 4 * i]))
            .ToList();
        return template.Render(Conversation(turns[0], turns[1], rounds), addGenerationPrompt: false);
    }
}
