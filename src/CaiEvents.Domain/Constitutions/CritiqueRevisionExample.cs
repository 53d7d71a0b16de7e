namespace CaiEvents.Domain.Constitutions;

/// <summary>
/// A worked critique/revision dialogue, prepended to the Critic's and Reviser's prompts as a few-shot example. <see cref="Prompt"/>
/// is the human's turn; a multi-turn conversation keeps its earlier turns inside it in transcript form
/// (<c>first\n\nAssistant: reply\n\nHuman: second</c>), so rendering <c>Human: {Prompt}</c> gives the whole conversation.
/// </summary>
public sealed record CritiqueRevisionExample(string Id, string Prompt, string Response, string CritiqueRequest, string Critique,
    string RevisionRequest, string Revision)
{
    /// <summary>
    /// The example as the paper's transcript: <c>Human:</c>, <c>Assistant:</c>, <c>Critique Request:</c>, <c>Critique:</c>,
    /// <c>Revision Request:</c>, <c>Revision:</c>, each part followed by a blank line. Its sha256 is <see cref="ContentHash"/>.
    /// </summary>
    public string Transcript =>
        $"Human: {Prompt}\n\nAssistant: {Response}\n\nCritique Request: {CritiqueRequest}\n\nCritique: {Critique}\n\n"
        + $"Revision Request: {RevisionRequest}\n\nRevision: {Revision}\n\n";

    /// <summary>Lower-case hex sha256 of the UTF-8 bytes of <see cref="Transcript"/>; recorded with the id where the example is used.</summary>
    public string ContentHash => Constitution.ComputeContentHash(Transcript);
}
