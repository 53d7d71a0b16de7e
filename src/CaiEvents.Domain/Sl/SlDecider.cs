using CaiEvents.Contracts.Commands;

namespace CaiEvents.Domain.Sl;

public enum StepDecisionKind
{
    /// <summary>The step has not happened yet: run the model and append its event.</summary>
    Execute,
    /// <summary>The step's event is already on the stream (a redelivery or replay): append nothing.</summary>
    AlreadyDone,
    /// <summary>The sample is finalised or failed: nothing more happens to it.</summary>
    Settled,
    /// <summary>The step's inputs are not on the stream yet; retrying later may succeed.</summary>
    NotReady,
    /// <summary>The command names a round the run does not have; it can never succeed.</summary>
    Invalid,
}

public sealed record StepDecision(StepDecisionKind Kind, string Reason)
{
    public static readonly StepDecision Execute = new(StepDecisionKind.Execute, "not yet done");

    /// <summary>
    /// The decision for recording this step's failure (after its retries): record it only where the step itself
    /// would still have run; otherwise (done already, settled, invalid) behave like a duplicate.
    /// </summary>
    public StepDecision ForFailure() => Kind is StepDecisionKind.Execute or StepDecisionKind.NotReady ? Execute : this;
}

/// <summary>
/// Pure decisions of the SL-CAI choreography. Consumers fetch the sample's state, ask here whether to
/// act, append, and then ask <see cref="NextCommand"/> what to send. Because the next command is a
/// function of the stream alone, a crash between append and send is healed by redelivery: the
/// redelivered command finds its step done and sends the same next command again.
/// </summary>
public static class SlDecider
{
    public static StepDecision DecideResponse(SampleState state)
    {
        if (state.IsSettled) return Settled(state);
        if (state.InitialResponse is not null) return new(StepDecisionKind.AlreadyDone, "response already generated");
        return StepDecision.Execute;
    }

    public static StepDecision DecideCritique(SampleState state, int round, int revisions)
    {
        if (round < 1 || round > revisions) return new(StepDecisionKind.Invalid, $"round {round} is outside 1..{revisions}");
        if (state.IsSettled) return Settled(state);
        if (state.FindRound(round) is not null) return new(StepDecisionKind.AlreadyDone, $"critique {round} already produced");
        if (state.InitialResponse is null) return new(StepDecisionKind.NotReady, "no response to critique yet");
        if (round > 1 && state.FindRound(round - 1)?.Revision is null) return new(StepDecisionKind.NotReady, $"revision {round - 1} not produced yet");
        return StepDecision.Execute;
    }

    public static StepDecision DecideRevision(SampleState state, int round, int revisions)
    {
        if (round < 1 || round > revisions) return new(StepDecisionKind.Invalid, $"round {round} is outside 1..{revisions}");
        if (state.IsSettled) return Settled(state);
        var existing = state.FindRound(round);
        if (existing is null) return new(StepDecisionKind.NotReady, $"critique {round} not produced yet");
        if (existing.Revision is not null) return new(StepDecisionKind.AlreadyDone, $"revision {round} already produced");
        return StepDecision.Execute;
    }

    /// <summary>The decision for any SL command, and the step it names.</summary>
    public static StepDecision Decide(SampleState state, ISampleCommand command, int revisions) => command switch
    {
        GenerateResponse => DecideResponse(state),
        CritiqueRequested c => DecideCritique(state, c.Round, revisions),
        RevisionRequested r => DecideRevision(state, r.Round, revisions),
        _ => throw new ArgumentException($"not an SL command: {command.GetType().Name}", nameof(command)),
    };

    public static (string Step, int Round) StepOf(ISampleCommand command) => command switch
    {
        GenerateResponse => (StepNames.Response, 0),
        CritiqueRequested c => (StepNames.Critique(c.Round), c.Round),
        RevisionRequested r => (StepNames.Revision(r.Round), r.Round),
        _ => throw new ArgumentException($"not an SL command: {command.GetType().Name}", nameof(command)),
    };

    /// <summary>True when the last round's revision is on the stream and the example is not yet final.</summary>
    public static bool ShouldFinalize(SampleState state, int revisions) =>
        !state.IsSettled && state.FindRound(revisions)?.Revision is not null;

    /// <summary>The command that moves the sample on from its current state; null once it is settled.</summary>
    public static object? NextCommand(SampleState state, int revisions)
    {
        if (state.IsSettled) return null;
        if (state.InitialResponse is null) return new GenerateResponse(state.RunId, state.Id, state.PromptStepId);
        var last = state.Rounds.OrderBy(r => r.Round).LastOrDefault();
        if (last is null) return new CritiqueRequested(state.RunId, state.Id, 1, state.ResponseStepId!.Value);
        if (last.Revision is null) return new RevisionRequested(state.RunId, state.Id, last.Round, last.CritiqueStepId);
        if (last.Round < revisions) return new CritiqueRequested(state.RunId, state.Id, last.Round + 1, last.RevisionStepId!.Value);
        return null; // last revision done: the Reviser finalises in the same transaction
    }

    private static StepDecision Settled(SampleState state) =>
        new(StepDecisionKind.Settled, state.Status == SampleStatus.Failed ? $"sample failed at {state.FailedStep}" : "sample already finalised");
}
