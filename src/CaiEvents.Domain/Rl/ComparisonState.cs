using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;

namespace CaiEvents.Domain.Rl;

public enum ComparisonStatus { Submitted, Generated, Labelled, Failed }

/// <summary>Step names of a comparison stream: part of its deterministic step ids, so never rename them.</summary>
public static class ComparisonSteps
{
    public const string Submitted = "comparison";
    public const string Pair = "pair";
    public const string Label = "label";
    public static string ResponseSeed(char option) => $"pair:{option}";
}

/// <summary>The state of one comparison stream, folded by pure functions (kept inline by Marten, like <see cref="SampleState"/>).</summary>
public sealed record ComparisonState : IItemState<ComparisonState>
{
    public Guid Id { get; init; }
    public Guid RunId { get; init; }
    public int Index { get; init; }
    public string PromptId { get; init; } = "";
    public string Prompt { get; init; } = "";
    public ComparisonStatus Status { get; init; }
    public Guid SubmittedStepId { get; init; }
    public PairedResponse? A { get; init; }
    public PairedResponse? B { get; init; }
    public Guid? PairStepId { get; init; }
    public Guid? LabelId { get; init; }
    public double? ProbabilityA { get; init; }
    public string? FailedStep { get; init; }
    public string? FailureType { get; init; }
    public string? FailureMessage { get; init; }
    /// <summary>How many times `cai retry-failed` sent this comparison back after a failure.</summary>
    public int Retries { get; init; }

    public bool IsSettled => Status is ComparisonStatus.Labelled or ComparisonStatus.Failed;

    public static ComparisonState Start(ComparisonSubmitted e) => new()
    {
        Id = e.PairId, RunId = e.RunId, Index = e.Index, PromptId = e.PromptId, Prompt = e.Prompt,
        Status = ComparisonStatus.Submitted, SubmittedStepId = e.Provenance.StepId,
    };

    public ComparisonState With(ResponsePairGenerated e) =>
        this with { A = e.A, B = e.B, PairStepId = e.Provenance.StepId, Status = ComparisonStatus.Generated };

    public ComparisonState With(PreferenceLabelled e) => this with { LabelId = e.LabelId, ProbabilityA = e.ProbabilityA, Status = ComparisonStatus.Labelled };

    public ComparisonState With(ComparisonStepFailed e) => this with
    {
        FailedStep = e.Step, FailureType = e.ErrorType, FailureMessage = e.ErrorMessage, Status = ComparisonStatus.Failed,
    };

    /// <summary>Back to where the comparison was before the failed step.</summary>
    public ComparisonState With(ComparisonRetryRequested e) => this with
    {
        FailedStep = null, FailureType = null, FailureMessage = null,
        Status = A is null ? ComparisonStatus.Submitted : ComparisonStatus.Generated,
        Retries = Retries + 1,
    };

    public ComparisonState Evolve(object e) => e switch
    {
        ResponsePairGenerated x => With(x),
        PreferenceLabelled x => With(x),
        ComparisonStepFailed x => With(x),
        ComparisonRetryRequested x => With(x),
        _ => this,
    };
}

/// <summary>Pure decisions of the labelling choreography: pair → label → settled.</summary>
public static class RlDecider
{
    public static StepDecision DecidePair(ComparisonState state) =>
        state.IsSettled ? new(StepDecisionKind.Settled, $"comparison already {state.Status}")
        : state.A is not null ? new(StepDecisionKind.AlreadyDone, "pair already generated")
        : StepDecision.Execute;

    public static StepDecision DecideLabel(ComparisonState state) =>
        state.IsSettled ? new(StepDecisionKind.Settled, $"comparison already {state.Status}")
        : state.A is null ? new(StepDecisionKind.NotReady, "no response pair yet")
        : StepDecision.Execute;

    public static StepDecision Decide(ComparisonState state, IPairCommand command) => command switch
    {
        GenerateResponsePair => DecidePair(state),
        LabelPreference => DecideLabel(state),
        _ => throw new ArgumentException($"not a comparison command: {command.GetType().Name}", nameof(command)),
    };

    public static string StepOf(IPairCommand command) => command switch
    {
        GenerateResponsePair => ComparisonSteps.Pair,
        LabelPreference => ComparisonSteps.Label,
        _ => throw new ArgumentException($"not a comparison command: {command.GetType().Name}", nameof(command)),
    };

    public static object? NextCommand(ComparisonState state) =>
        state.IsSettled ? null
        : state.A is null ? new GenerateResponsePair(state.RunId, state.Id, state.SubmittedStepId)
        : new LabelPreference(state.RunId, state.Id, state.PairStepId!.Value);
}
