using System.Security.Cryptography;
using System.Text;

namespace CaiEvents.Domain.Constitutions;

/// <summary>
/// One principle for the supervised (critique → revision) stage: a request to critique the assistant's last
/// response against the principle, and a request to rewrite that response accordingly.
/// </summary>
public sealed record CritiqueRevisionPrinciple(string Id, string CritiqueRequest, string RevisionRequest);

/// <summary>One principle for AI-feedback labelling: a multiple-choice question asking which of several responses is better.</summary>
public sealed record ComparisonPrinciple(string Id, string Question);

/// <summary>
/// A validated constitution. <see cref="SourceText"/> is the exact text it was parsed from and
/// <see cref="ContentHash"/> the lower-case hex sha256 of that text's UTF-8 bytes, recorded as provenance.
/// </summary>
public sealed record Constitution(
    string Id,
    int Version,
    string Description,
    IReadOnlyList<CritiqueRevisionPrinciple> CritiqueRevision,
    IReadOnlyList<ComparisonPrinciple> Comparison,
    string SourceText,
    string ContentHash)
{
    /// <summary>Worked critique/revision dialogues prepended to the Critic's and Reviser's prompts (none: the prompts are zero-shot).</summary>
    public IReadOnlyList<CritiqueRevisionExample> CritiqueRevisionExamples { get; init; } = [];

    /// <summary>Labelled comparisons prepended to the feedback question (none: the question is zero-shot).</summary>
    public IReadOnlyList<FeedbackExample> FeedbackExamples { get; init; } = [];

    /// <summary>The critique/revision principle with this id, or null if there is none.</summary>
    public CritiqueRevisionPrinciple? FindCritiqueRevision(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        foreach (CritiqueRevisionPrinciple p in CritiqueRevision)
        {
            if (string.Equals(p.Id, id, StringComparison.Ordinal))
            {
                return p;
            }
        }

        return null;
    }

    /// <summary>The comparison principle with this id, or null if there is none.</summary>
    public ComparisonPrinciple? FindComparison(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        foreach (ComparisonPrinciple p in Comparison)
        {
            if (string.Equals(p.Id, id, StringComparison.Ordinal))
            {
                return p;
            }
        }

        return null;
    }

    /// <summary>Lower-case hex sha256 of the UTF-8 encoding of <paramref name="sourceText"/>.</summary>
    public static string ComputeContentHash(string sourceText)
    {
        ArgumentNullException.ThrowIfNull(sourceText);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sourceText)));
    }
}
