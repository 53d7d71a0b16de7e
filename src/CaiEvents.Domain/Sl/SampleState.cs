using CaiEvents.Contracts.Events;

namespace CaiEvents.Domain.Sl;

public enum SampleStatus { Submitted, Responded, Finalized, Failed }

/// <summary>One critique/revision round as recorded on the sample stream.</summary>
public sealed record RoundState(
    int Round,
    string PrincipleId,
    string CritiqueRequest,
    string Critique,
    Guid CritiqueStepId,
    string? RevisionRequest = null,
    string? Revision = null,
    Guid? RevisionStepId = null);

/// <summary>
/// The state of one sample stream, folded from its events by pure functions (<see cref="Start"/>, <see cref="With(ResponseGenerated)"/>…;
/// named so that Marten does not mistake them for its Create/Apply conventions). Marten keeps it as an
/// inline snapshot (so it is also the per-sample read model); the decisions in <see cref="SlDecider"/>
/// read it and never touch a database.
/// </summary>
public sealed record SampleState : IItemState<SampleState>
{
    public Guid Id { get; init; }
    public Guid RunId { get; init; }
    public int Index { get; init; }
    public string PromptId { get; init; } = "";
    public string Prompt { get; init; } = "";
    public SampleStatus Status { get; init; }
    public Guid PromptStepId { get; init; }
    public string? InitialResponse { get; init; }
    public Guid? ResponseStepId { get; init; }
    public IReadOnlyList<RoundState> Rounds { get; init; } = [];
    public string? FinalCompletion { get; init; }
    public Guid? FinalizedStepId { get; init; }
    public string? FailedStep { get; init; }
    public string? FailureType { get; init; }
    public string? FailureMessage { get; init; }
    /// <summary>How many times `cai retry-failed` sent this sample back after a failure.</summary>
    public int Retries { get; init; }

    public bool IsSettled => Status is SampleStatus.Finalized or SampleStatus.Failed;

    public RoundState? FindRound(int round) => Rounds.FirstOrDefault(r => r.Round == round);

    public IReadOnlyList<CompletedRound> CompletedRoundsBefore(int round) =>
        Rounds.Where(r => r.Round < round && r.Revision is not null)
              .OrderBy(r => r.Round)
              .Select(r => new CompletedRound(r.CritiqueRequest, r.Critique, r.RevisionRequest!, r.Revision!))
              .ToList();

    /// <summary>The response the next critique looks at: the latest revision, or the initial response.</summary>
    public string? LatestResponse =>
        Rounds.Where(r => r.Revision is not null).OrderBy(r => r.Round).LastOrDefault()?.Revision ?? InitialResponse;

    /// <summary>Folds any sample event; unknown events leave the state unchanged.</summary>
    public SampleState Evolve(object e) => e switch
    {
        ResponseGenerated x => With(x),
        CritiqueProduced x => With(x),
        RevisionProduced x => With(x),
        SlExampleFinalized x => With(x),
        SampleStepFailed x => With(x),
        SampleRetryRequested x => With(x),
        _ => this,
    };

    public static SampleState Start(PromptSubmitted e) => new()
    {
        Id = e.SampleId,
        RunId = e.RunId,
        Index = e.Index,
        PromptId = e.PromptId,
        Prompt = e.Prompt,
        Status = SampleStatus.Submitted,
        PromptStepId = e.Provenance.StepId,
    };

    public SampleState With(ResponseGenerated e) => this with
    {
        InitialResponse = e.Response,
        ResponseStepId = e.Provenance.StepId,
        Status = SampleStatus.Responded,
    };

    public SampleState With(CritiqueProduced e) => this with
    {
        Rounds = [.. Rounds.Where(r => r.Round != e.Round), new RoundState(e.Round, e.PrincipleId, e.CritiqueRequest, e.Critique, e.Provenance.StepId)],
    };

    public SampleState With(RevisionProduced e) => this with
    {
        Rounds = Rounds.Select(r => r.Round == e.Round
            ? r with { RevisionRequest = e.RevisionRequest, Revision = e.Revision, RevisionStepId = e.Provenance.StepId }
            : r).ToList(),
    };

    public SampleState With(SlExampleFinalized e) => this with
    {
        FinalCompletion = e.Completion,
        FinalizedStepId = e.Provenance.StepId,
        Status = SampleStatus.Finalized,
    };

    public SampleState With(SampleStepFailed e) => this with
    {
        FailedStep = e.Step,
        FailureType = e.ErrorType,
        FailureMessage = e.ErrorMessage,
        Status = SampleStatus.Failed,
    };

    /// <summary>Back to where the sample was before the failed step; everything it had produced stays.</summary>
    public SampleState With(SampleRetryRequested e) => this with
    {
        FailedStep = null,
        FailureType = null,
        FailureMessage = null,
        Status = InitialResponse is null ? SampleStatus.Submitted : SampleStatus.Responded,
        Retries = Retries + 1,
    };
}
