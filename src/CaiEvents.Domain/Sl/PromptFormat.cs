using System.Text;
using System.Text.RegularExpressions;
using CaiEvents.Domain.Constitutions;

namespace CaiEvents.Domain.Sl;

/// <summary>One finished critique/revision round, as the next round's context needs it.</summary>
public sealed record CompletedRound(string CritiqueRequest, string Critique, string RevisionRequest, string Revision);

/// <summary>
/// The paper's dialogue format: <c>Human: … Assistant: …</c>, then <c>Critique Request:</c> /
/// <c>Critique:</c>, then <c>Revision Request:</c> / <c>Revision:</c>. Each later round continues the
/// same context. Pure functions, so prompts are reproducible and unit-testable.
/// </summary>
public static partial class PromptFormat
{
    /// <summary>Recorded in provenance; bump it whenever the rendered text changes.</summary>
    public const string TemplateVersion = "sl-v1";

    public static readonly IReadOnlyList<string> TurnMarkers =
        ["Human:", "Assistant:", "Critique Request:", "Critique:", "Revision Request:", "Revision:"];

    /// <summary>Stop sequences for generation: any turn marker at the start of a line ends the turn.</summary>
    public static readonly IReadOnlyList<string> StopSequences = TurnMarkers.Select(m => "\n" + m).ToArray();

    public static string RenderResponsePrompt(string prompt) => $"Human: {prompt}\n\nAssistant:";

    /// <summary>
    /// The critique step's prompt. Few-shot <paramref name="examples"/>, when given, come first, each as its whole worked dialogue
    /// (<see cref="CritiqueRevisionExample.Transcript"/>); without them the text is exactly the zero-shot prompt.
    /// </summary>
    public static string RenderCritiquePrompt(string prompt, string initialResponse, IReadOnlyList<CompletedRound> earlierRounds, string critiqueRequest,
        IReadOnlyList<CritiqueRevisionExample>? examples = null)
    {
        var sb = Conversation(prompt, initialResponse, earlierRounds, examples);
        sb.Append("Critique Request: ").Append(critiqueRequest).Append("\n\nCritique:");
        return sb.ToString();
    }

    /// <summary>The revision step's prompt, after the same few-shot <paramref name="examples"/> as the round's critique.</summary>
    public static string RenderRevisionPrompt(string prompt, string initialResponse, IReadOnlyList<CompletedRound> earlierRounds,
        string critiqueRequest, string critique, string revisionRequest, IReadOnlyList<CritiqueRevisionExample>? examples = null)
    {
        var sb = Conversation(prompt, initialResponse, earlierRounds, examples);
        sb.Append("Critique Request: ").Append(critiqueRequest).Append("\n\n")
          .Append("Critique: ").Append(critique).Append("\n\n")
          .Append("Revision Request: ").Append(revisionRequest).Append("\n\nRevision:");
        return sb.ToString();
    }

    private static StringBuilder Conversation(string prompt, string initialResponse, IReadOnlyList<CompletedRound> earlierRounds,
        IReadOnlyList<CritiqueRevisionExample>? examples)
    {
        var sb = new StringBuilder();
        foreach (var example in examples ?? []) sb.Append(example.Transcript);
        sb.Append("Human: ").Append(prompt).Append("\n\nAssistant: ").Append(initialResponse).Append("\n\n");
        foreach (var r in earlierRounds)
        {
            sb.Append("Critique Request: ").Append(r.CritiqueRequest).Append("\n\n")
              .Append("Critique: ").Append(r.Critique).Append("\n\n")
              .Append("Revision Request: ").Append(r.RevisionRequest).Append("\n\n")
              .Append("Revision: ").Append(r.Revision).Append("\n\n");
        }
        return sb;
    }

    /// <summary>Cuts generated text at the first turn marker that starts a line, and trims it.</summary>
    public static string CutAtTurnMarker(string generated)
    {
        var text = generated.TrimStart();
        var cut = text.Length;
        foreach (var marker in StopSequences)
        {
            var i = text.IndexOf(marker, StringComparison.Ordinal);
            if (i >= 0 && i < cut) cut = i;
        }
        return text[..cut].Trim();
    }

    /// <summary>
    /// Cleans a revision before it is stored: cut at the next turn, drop a leading label
    /// ("Revision:", "Assistant:") and a boilerplate preamble ("Sure, here is a revised response:").
    /// </summary>
    public static string CleanRevision(string generated)
    {
        var text = CutAtTurnMarker(generated);
        string previous;
        do
        {
            previous = text;
            text = LeadingLabel().Replace(text, "", 1).TrimStart();
            text = Preamble().Replace(text, "", 1).TrimStart();
        } while (text != previous);
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"' && text.IndexOf('"', 1) == text.Length - 1)
            text = text[1..^1].Trim();
        return text;
    }

    [GeneratedRegex(@"^(revision|revised response|assistant|response)\s*:\s*", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingLabel();

    [GeneratedRegex(
        @"^((sure|okay|ok|certainly|of course|absolutely)[,!.]?\s*)?(here\s+is|here's|below\s+is|this\s+is)\s+(a|an|the|my)\s+"
        + @"((more\s+)?(revised|rewritten|improved|updated|new|better|safer|harmless)\s+)+(version|response|answer|reply)\b[^:\n]*:\s*",
        RegexOptions.IgnoreCase)]
    private static partial Regex Preamble();
}
