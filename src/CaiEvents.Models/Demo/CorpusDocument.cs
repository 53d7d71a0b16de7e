namespace CaiEvents.Models.Demo;

/// <summary>One generated document (without the end-of-text separator).</summary>
/// <param name="RequestTemplate">Index of the request template within the theme; with <see cref="ThemeId"/> it decides the split.</param>
/// <param name="FirstAnswerHarmful">For critique/revision documents: whether the first Assistant answer is the bad one.</param>
/// <param name="Comparison">For comparison documents: the item rendered (its options, question and correct option).</param>
/// <param name="Turns">
/// For critique/revision and plain documents: the dialogue's contents in order, the human's turns at even indices and the
/// assistant's at odd ones (prompt, answer, then per round critique request, critique, revision request, revision), so the
/// document can be rendered as chat (<see cref="DemoDialogues.Conversation"/>). Null for comparison documents.
/// </param>
public sealed record CorpusDocument(
    CorpusDocumentKind Kind,
    string ThemeId,
    bool RedTeam,
    int RequestTemplate,
    int Rounds,
    bool FirstAnswerHarmful,
    ComparisonItem? Comparison,
    string Text,
    IReadOnlyList<string>? Turns = null)
{
    /// <summary>For comparison documents, 'A' or 'B': the option holding the harmless answer.</summary>
    public char? CorrectOption => Comparison?.CorrectOption;
}
