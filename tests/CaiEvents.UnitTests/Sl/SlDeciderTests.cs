using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;

namespace CaiEvents.UnitTests.Sl;

/// <summary>Given events / when command / then decision, without a database.</summary>
public class SlDeciderTests
{
    private static readonly Guid Run = Guid.Parse("11111111-1111-1111-1111-111111111111");
    private static readonly Guid Sample = DeterministicIds.Sample(Run, 0);

    private static Provenance P(string step) => new(Run, Sample, DeterministicIds.Step(Sample, step), Guid.Empty, Run, "test", "test-1",
        null, null, "c", "h", null, PromptFormat.TemplateVersion, null, null, DateTimeOffset.UnixEpoch);

    private static SampleState Given(params object[] events)
    {
        var state = SampleState.Start(new PromptSubmitted(Sample, Run, 0, "p1", null, "Q?", "test", 1, P(StepNames.Prompt)));
        return events.Aggregate(state, (s, e) => s.Evolve(e));
    }

    private static ResponseGenerated Response() => new(Sample, "prompt", "A.", P(StepNames.Response));
    private static CritiqueProduced Critique(int round) => new(Sample, round, "pr", "CR", "prompt", $"C{round}", P(StepNames.Critique(round)));
    private static RevisionProduced Revision(int round) => new(Sample, round, "pr", "RR", "prompt", "raw", $"R{round}", P(StepNames.Revision(round)));

    [Fact]
    public void A_new_sample_needs_a_response_and_a_second_response_is_a_duplicate()
    {
        Assert.Equal(StepDecisionKind.Execute, SlDecider.DecideResponse(Given()).Kind);
        Assert.Equal(StepDecisionKind.AlreadyDone, SlDecider.DecideResponse(Given(Response())).Kind);
    }

    [Fact]
    public void Critique_waits_for_its_inputs_and_is_done_once()
    {
        Assert.Equal(StepDecisionKind.NotReady, SlDecider.DecideCritique(Given(), 1, 2).Kind);
        Assert.Equal(StepDecisionKind.Execute, SlDecider.DecideCritique(Given(Response()), 1, 2).Kind);
        Assert.Equal(StepDecisionKind.AlreadyDone, SlDecider.DecideCritique(Given(Response(), Critique(1)), 1, 2).Kind);
        Assert.Equal(StepDecisionKind.NotReady, SlDecider.DecideCritique(Given(Response(), Critique(1)), 2, 2).Kind);
        Assert.Equal(StepDecisionKind.Execute, SlDecider.DecideCritique(Given(Response(), Critique(1), Revision(1)), 2, 2).Kind);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Rounds_outside_the_run_are_invalid(int round)
    {
        Assert.Equal(StepDecisionKind.Invalid, SlDecider.DecideCritique(Given(Response()), round, 2).Kind);
        Assert.Equal(StepDecisionKind.Invalid, SlDecider.DecideRevision(Given(Response()), round, 2).Kind);
    }

    [Fact]
    public void Revision_needs_its_critique_and_is_done_once()
    {
        Assert.Equal(StepDecisionKind.NotReady, SlDecider.DecideRevision(Given(Response()), 1, 1).Kind);
        Assert.Equal(StepDecisionKind.Execute, SlDecider.DecideRevision(Given(Response(), Critique(1)), 1, 1).Kind);
        Assert.Equal(StepDecisionKind.AlreadyDone, SlDecider.DecideRevision(Given(Response(), Critique(1), Revision(1)), 1, 2).Kind);
    }

    [Fact]
    public void Finalisation_happens_after_the_last_round_only()
    {
        Assert.False(SlDecider.ShouldFinalize(Given(Response(), Critique(1), Revision(1)), 2));
        Assert.True(SlDecider.ShouldFinalize(Given(Response(), Critique(1), Revision(1)), 1));
        var final = Given(Response(), Critique(1), Revision(1), new SlExampleFinalized(Sample, "Q?", "R1", 1, P(StepNames.Finalized)));
        Assert.False(SlDecider.ShouldFinalize(final, 1));
        Assert.Equal(SampleStatus.Finalized, final.Status);
        Assert.Equal("R1", final.FinalCompletion);
    }

    [Fact]
    public void Settled_samples_accept_nothing()
    {
        var failed = Given(Response(), new SampleStepFailed(Sample, "critique:1", 1, "Boom", "broken", P(StepNames.Failed("critique:1"))));
        Assert.Equal(StepDecisionKind.Settled, SlDecider.DecideCritique(failed, 1, 2).Kind);
        Assert.Equal(StepDecisionKind.Settled, SlDecider.DecideResponse(failed).Kind);
        Assert.Null(SlDecider.NextCommand(failed, 2));
    }

    [Fact]
    public void Next_command_follows_the_chain_and_names_its_cause()
    {
        Assert.Equal(new GenerateResponse(Run, Sample, DeterministicIds.Step(Sample, StepNames.Prompt)), SlDecider.NextCommand(Given(), 2));
        Assert.Equal(new CritiqueRequested(Run, Sample, 1, DeterministicIds.Step(Sample, StepNames.Response)), SlDecider.NextCommand(Given(Response()), 2));
        Assert.Equal(new RevisionRequested(Run, Sample, 1, DeterministicIds.Step(Sample, StepNames.Critique(1))),
            SlDecider.NextCommand(Given(Response(), Critique(1)), 2));
        Assert.Equal(new CritiqueRequested(Run, Sample, 2, DeterministicIds.Step(Sample, StepNames.Revision(1))),
            SlDecider.NextCommand(Given(Response(), Critique(1), Revision(1)), 2));
        Assert.Null(SlDecider.NextCommand(Given(Response(), Critique(1), Revision(1)), 1));
    }

    [Fact]
    public void Latest_response_is_the_last_revision()
    {
        Assert.Equal("A.", Given(Response()).LatestResponse);
        Assert.Equal("R1", Given(Response(), Critique(1), Revision(1), Critique(2)).LatestResponse);
        Assert.Equal([new CompletedRound("CR", "C1", "RR", "R1")], Given(Response(), Critique(1), Revision(1), Critique(2)).CompletedRoundsBefore(2));
    }

    [Fact]
    public void Any_command_maps_to_its_own_decision_and_step()
    {
        var state = Given(Response(), Critique(1));
        Assert.Equal(StepDecisionKind.AlreadyDone, SlDecider.Decide(state, new GenerateResponse(Run, Sample, Guid.Empty), 2).Kind);
        Assert.Equal(StepDecisionKind.AlreadyDone, SlDecider.Decide(state, new CritiqueRequested(Run, Sample, 1, Guid.Empty), 2).Kind);
        Assert.Equal(StepDecisionKind.Execute, SlDecider.Decide(state, new RevisionRequested(Run, Sample, 1, Guid.Empty), 2).Kind);
        Assert.Equal((StepNames.Response, 0), SlDecider.StepOf(new GenerateResponse(Run, Sample, Guid.Empty)));
        Assert.Equal(("critique:2", 2), SlDecider.StepOf(new CritiqueRequested(Run, Sample, 2, Guid.Empty)));
        Assert.Equal(("revision:1", 1), SlDecider.StepOf(new RevisionRequested(Run, Sample, 1, Guid.Empty)));
    }

    [Fact]
    public void A_failure_is_recorded_only_where_the_step_would_still_have_run()
    {
        Assert.Equal(StepDecisionKind.Execute, SlDecider.DecideResponse(Given()).ForFailure().Kind);
        Assert.Equal(StepDecisionKind.Execute, SlDecider.DecideCritique(Given(), 1, 2).ForFailure().Kind); // was NotReady
        Assert.Equal(StepDecisionKind.AlreadyDone, SlDecider.DecideResponse(Given(Response())).ForFailure().Kind);
        Assert.Equal(StepDecisionKind.Invalid, SlDecider.DecideCritique(Given(Response()), 9, 2).ForFailure().Kind);
    }

    [Fact]
    public void A_retry_after_a_failure_returns_the_sample_to_its_step_and_a_second_failure_is_recorded_again()
    {
        var failed = new SampleStepFailed(Sample, StepNames.Critique(1), 1, "System.InvalidOperationException", "down", P(StepNames.Failed(StepNames.Critique(1))));
        var retry = new SampleRetryRequested(Sample, StepNames.Critique(1), "System.InvalidOperationException", "down", 1, P("retry:1"));
        Assert.Equal(StepDecisionKind.Settled, SlDecider.DecideCritique(Given(Response(), failed), 1, 1).Kind);
        Assert.Null(SlDecider.NextCommand(Given(Response(), failed), 1));

        var retried = Given(Response(), failed, retry);
        Assert.Equal(SampleStatus.Responded, retried.Status);
        Assert.False(retried.IsSettled);
        Assert.Null(retried.FailedStep);
        Assert.Equal(1, retried.Retries);
        Assert.Equal(StepDecisionKind.Execute, SlDecider.DecideCritique(retried, 1, 1).Kind);
        Assert.Equal(new CritiqueRequested(Run, Sample, 1, retried.ResponseStepId!.Value), SlDecider.NextCommand(retried, 1));
        // Failing again after the retry is a new failure, recorded like the first.
        Assert.Equal(StepDecisionKind.Execute, SlDecider.DecideCritique(retried, 1, 1).ForFailure().Kind);
        Assert.Equal(SampleStatus.Submitted, Given(failed, retry).Status);
    }
}
