namespace CaiEvents.Models.Demo;

public enum CorpusDocumentKind
{
    /// <summary>Human/Assistant exchange followed by one or two critique/revision rounds.</summary>
    CritiqueRevision,
    /// <summary>A plain Human/Assistant exchange with a harmless (or helpful) answer.</summary>
    Plain,
    /// <summary>The multiple-choice feedback prompt followed by the answer naming the better option.</summary>
    Comparison,
}
