using System.Text.RegularExpressions;

namespace CaiEvents.Domain.Constitutions;

/// <summary>
/// Splits the paper's transcripts (<c>Human:</c>, <c>Assistant:</c>, <c>Critique Request:</c>/<c>CritiqueRequest:</c>, <c>Critique:</c>,
/// <c>Revision Request:</c>/<c>RevisionRequest:</c>, <c>Revision:</c>, each at the start of a line) into labelled turns, and joins
/// multi-turn conversations back into the one-prompt form the examples keep. Pure.
/// </summary>
public static partial class DialogueTranscripts
{
    public const string Human = "Human";
    public const string Assistant = "Assistant";
    public const string CritiqueRequest = "Critique Request";
    public const string Critique = "Critique";
    public const string RevisionRequest = "Revision Request";
    public const string Revision = "Revision";

    /// <summary>One labelled turn: the label spelt as above (the released files' <c>CritiqueRequest</c> becomes <c>Critique Request</c>).</summary>
    public sealed record Turn(string Label, string Text);

    [GeneratedRegex(@"(?:\A|\n)[ \t]*(Human|Assistant|Critique ?Request|Critique|Revision ?Request|Revision):", RegexOptions.CultureInvariant)]
    private static partial Regex Marker();

    /// <summary>
    /// The turns of <paramref name="transcript"/>, texts trimmed; <paramref name="leading"/> is whatever came before the first marker
    /// (trimmed; empty for a well-formed transcript).
    /// </summary>
    public static IReadOnlyList<Turn> Split(string transcript, out string leading)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        var matches = Marker().Matches(transcript);
        leading = (matches.Count == 0 ? transcript : transcript[..matches[0].Index]).Trim();
        var turns = new List<Turn>(matches.Count);
        for (int i = 0; i < matches.Count; i++)
        {
            int start = matches[i].Index + matches[i].Length;
            int end = i + 1 < matches.Count ? matches[i + 1].Index : transcript.Length;
            string label = matches[i].Groups[1].Value switch
            {
                "CritiqueRequest" => CritiqueRequest,
                "RevisionRequest" => RevisionRequest,
                var other => other,
            };
            turns.Add(new Turn(label, transcript[start..end].Trim()));
        }

        return turns;
    }

    /// <summary>
    /// A conversation's turns (human first, alternating, ending with a human turn) as one prompt: the first human text, then each
    /// later exchange in transcript form, so <c>Human: {prompt}</c> renders the whole conversation.
    /// </summary>
    public static string JoinPrompt(IReadOnlyList<Turn> conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var text = new System.Text.StringBuilder(conversation[0].Text);
        for (int i = 1; i < conversation.Count; i++)
        {
            text.Append("\n\n").Append(conversation[i].Label).Append(": ").Append(conversation[i].Text);
        }

        return text.ToString();
    }

    /// <summary>
    /// The inverse of <see cref="JoinPrompt"/> for chat models: a prompt's turns as (is the human speaking, text). A prompt without
    /// embedded turns is one human turn.
    /// </summary>
    public static IReadOnlyList<(bool Human, string Text)> PromptTurns(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var turns = Split("Human: " + prompt, out _);
        if (turns.Any(t => t.Label is not (Human or Assistant))) return [(true, prompt)];
        return turns.Select(t => (t.Label == Human, t.Text)).ToList();
    }
}
