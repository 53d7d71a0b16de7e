namespace CaiEvents.Domain.Constitutions;

/// <summary>
/// A labelled comparison, prepended to the feedback question as a few-shot example: a conversation (<see cref="Prompt"/>, the human's
/// turn, earlier turns kept in transcript form as in <see cref="CritiqueRevisionExample"/>), a better and a worse answer.
/// </summary>
public sealed record FeedbackExample(string Id, string Prompt, string Better, string Worse)
{
    /// <summary>The example as text: <c>Human: {Prompt}\n\nBetter: {Better}\n\nWorse: {Worse}</c>. Its sha256 is <see cref="ContentHash"/>.</summary>
    public string Transcript => $"Human: {Prompt}\n\nBetter: {Better}\n\nWorse: {Worse}";

    /// <summary>Lower-case hex sha256 of the UTF-8 bytes of <see cref="Transcript"/>; recorded with the id where the example is used.</summary>
    public string ContentHash => Constitution.ComputeContentHash(Transcript);
}
