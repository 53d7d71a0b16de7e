namespace CaiEvents.Models.Demo;

/// <summary>The constitution-derived text the corpus embeds: critique/revision requests and comparison questions.</summary>
public sealed record DemoCorpusInputs(IReadOnlyList<CritiqueRevisionRequests> CritiqueRevision, IReadOnlyList<string> ComparisonQuestions)
{
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(CritiqueRevision);
        ArgumentNullException.ThrowIfNull(ComparisonQuestions);
        if (CritiqueRevision.Count == 0) throw new ArgumentException("At least one critique/revision principle is needed.", nameof(CritiqueRevision));
        if (ComparisonQuestions.Count == 0) throw new ArgumentException("At least one comparison question is needed.", nameof(ComparisonQuestions));
        foreach (var p in CritiqueRevision)
        {
            if (p is null || string.IsNullOrWhiteSpace(p.Id) || string.IsNullOrWhiteSpace(p.CritiqueRequest) || string.IsNullOrWhiteSpace(p.RevisionRequest))
            {
                throw new ArgumentException("Every principle needs an id, a critique request and a revision request.", nameof(CritiqueRevision));
            }
        }
        if (ComparisonQuestions.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Comparison questions must not be empty.", nameof(ComparisonQuestions));
        }
    }
}
