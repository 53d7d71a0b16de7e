using System.Text.Json.Serialization;

namespace CaiEvents.Contracts.Events;

// Events of one comparison stream (one prompt's response pair and its label, in one run).

public sealed record ComparisonSubmitted(
    Guid PairId,
    Guid RunId,
    int Index,
    string PromptId,
    string Prompt,
    string PromptSource,
    int SourceLine,
    Provenance Provenance);

/// <summary>One of the two responses, with the seed that produced it and the id a label refers to.</summary>
public sealed record PairedResponse(Guid ResponseId, string Text, long Seed);

public sealed record ResponsePairGenerated(
    Guid PairId,
    string RenderedPrompt,
    PairedResponse A,
    PairedResponse B,
    Provenance Provenance);

/// <summary>
/// One feedback-model judgement: a principle, an option order, the exact prompt, the optional reasoning,
/// the raw log-probabilities of the two option continuations, and what they normalise to.
/// </summary>
/// <param name="Order">"AB" when response A was shown as option (A); "BA" when the options were swapped.</param>
/// <param name="ProbabilityFirstOption">Normalised probability of the option shown first, " (A)".</param>
/// <param name="ProbabilityA">That probability mapped back to response A (equal for "AB", 1 − it for "BA").</param>
/// <param name="TopLogProbs">A server's top log-probabilities at the answer position, as received (labels from a chat-completions
/// server); null for exact continuation scores. Left out of the stored JSON when null.</param>
/// <param name="OptionMass">The probability mass that fell on the two options among <paramref name="TopLogProbs"/>; null for exact
/// continuation scores. Left out of the stored JSON when null.</param>
/// <param name="SentRequest">The request exactly as sent (e.g. the chat messages as JSON) where it differs from
/// <paramref name="RenderedPrompt"/>; null otherwise. Left out of the stored JSON when null.</param>
public sealed record FeedbackJudgement(
    string PrincipleId,
    string Order,
    string RenderedPrompt,
    string? Reasoning,
    double LogProbOptionA,
    double LogProbOptionB,
    double ProbabilityFirstOption,
    double ProbabilityA,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<TopLogProb>? TopLogProbs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? OptionMass = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SentRequest = null);

/// <summary>
/// A soft preference label with everything needed to explain it: every judgement (principle × order),
/// the average before clamping, whether and how clamping applied, and the final P(response A preferred).
/// </summary>
/// <param name="FewShot">The labelled examples prepended to every question of this label (ids and hashes); null, and left out of the
/// stored JSON, when none.</param>
public sealed record PreferenceLabelled(
    Guid PairId,
    Guid LabelId,
    Guid ResponseAId,
    Guid ResponseBId,
    LabelMode Mode,
    IReadOnlyList<FeedbackJudgement> Judgements,
    double AveragedProbabilityA,
    bool Clamped,
    double ClampLow,
    double ClampHigh,
    double ProbabilityA,
    string FeedbackTemplateVersion,
    Provenance Provenance,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<FewShotUse>? FewShot = null);

/// <summary>A step of a comparison that failed after its retries; never a silent gap.</summary>
public sealed record ComparisonStepFailed(Guid PairId, string Step, string ErrorType, string ErrorMessage, Provenance Provenance);

/// <summary>Where an imported comparison came from: the file as named at import, its 1-based line, and the record's own id.</summary>
public sealed record ImportOrigin(string File, int Line, string RecordId);

/// <summary>
/// A human-labelled comparison imported from a file (the HH-RLHF shape), attached to a run. Version 2: the file, line
/// and record id are grouped in <see cref="Origin"/>. Version 1 (<see cref="Versions.PreferenceImportedV1"/>, stored
/// as <c>preference_imported</c>) is upcast to this shape when read.
/// </summary>
public sealed record PreferenceImported(
    Guid PairId,
    Guid RunId,
    string Prompt,
    string Chosen,
    string Rejected,
    ImportOrigin Origin,
    DateTimeOffset ImportedAt);
