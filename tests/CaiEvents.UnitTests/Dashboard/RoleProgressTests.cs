using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;

namespace CaiEvents.UnitTests.Dashboard;

public class RoleProgressTests
{
    private static RoundState Round(int n, bool revised) =>
        new(n, "p", "critique request", "critique", Guid.NewGuid(), revised ? "revision request" : null, revised ? "revision" : null, revised ? Guid.NewGuid() : null);

    [Fact]
    public void A_failed_item_counts_against_the_role_whose_step_failed_and_its_later_steps_are_no_longer_expected()
    {
        var sampling = new SamplingParameters();
        var configuration = new RunConfiguration(2, 7, "p.jsonl", "hash", "m", "m", "m", sampling, sampling, sampling, "sl-v1");
        var run = new RunState { Configuration = configuration, SampleCount = 4, PairCount = 2 };
        SampleState[] samples =
        [
            new() { Status = SampleStatus.Finalized, InitialResponse = "r", Rounds = [Round(1, true), Round(2, true)] },
            new() { Status = SampleStatus.Failed, InitialResponse = "r", Rounds = [Round(1, true)], FailedStep = "critique:2" },
            new() { Status = SampleStatus.Failed, FailedStep = "response" },
            // The fourth sample's stream is not readable yet: it still needs every step.
        ];
        var pair = new PairedResponse(Guid.NewGuid(), "a", 1);
        ComparisonState[] comparisons =
        [
            new() { Status = ComparisonStatus.Labelled, A = pair, B = pair, LabelId = Guid.NewGuid() },
            new() { Status = ComparisonStatus.Failed, A = pair, B = pair, FailedStep = ComparisonSteps.Label },
        ];

        var roles = RunActivity.RoleProgressOf(run, samples, comparisons);

        Assert.Equal(
        [
            new RoleProgress(WorkerRoles.Generator, 2 + 2, 4 + 2, 1),
            new RoleProgress(WorkerRoles.Critic, 3, 2 + 2 + 0 + 2, 1),
            new RoleProgress(WorkerRoles.Reviser, 3, 2 + 1 + 0 + 2, 0),
            new RoleProgress(WorkerRoles.Labeller, 1, 2, 1),
        ], roles);
    }

    [Fact]
    public void Samples_in_flight_count_their_rounds_so_far_finalised_ones_every_round_and_submitted_ones_none()
    {
        var sampling = new SamplingParameters();
        var configuration = new RunConfiguration(2, 7, "p.jsonl", "hash", "m", "m", "m", sampling, sampling, sampling, "sl-v1");
        var run = new RunState { Configuration = configuration, SampleCount = 3 };
        SampleState[] samples =
        [
            new() { Status = SampleStatus.Responded, InitialResponse = "r", Rounds = [Round(1, true), Round(2, false)] },
            new() { Status = SampleStatus.Submitted },
            new() { Status = SampleStatus.Finalized, InitialResponse = "r", Rounds = [Round(1, true), Round(2, true)] },
        ];

        var roles = RunActivity.RoleProgressOf(run, samples, []);
        // The same from the per-status counts and the database's sums over the samples in flight.
        var fromCounts = RunActivity.RoleProgressOf(run, new RunProgress(1, 1, 1, 0), new RoundsInFlight(2, 1), [], []);

        Assert.Equal(
        [
            new RoleProgress(WorkerRoles.Generator, 2, 3, 0),
            new RoleProgress(WorkerRoles.Critic, 2 + 2, 6, 0),
            new RoleProgress(WorkerRoles.Reviser, 1 + 2, 6, 0),
        ], roles);
        Assert.Equal(roles, fromCounts);
    }
}
