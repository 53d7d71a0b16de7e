using CaiEvents.Contracts.Events;
using CaiEvents.Dashboard.Jobs;

namespace CaiEvents.UnitTests.Dashboard;

public class JobViewTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Job = Guid.Parse("11111111-1111-1111-1111-111111111111");
    private static readonly Guid Run = Guid.Parse("22222222-2222-2222-2222-222222222222");

    private static PreferenceModelTrainingStarted PmStarted() => new(Job, Run, 10, 5,
        new PreferenceModelHyperParameters("builtin:tiny", 3, 0, 4, 1e-4, 0, 0.1, 0, 1, 0.25, null, 0),
        "hash", 8, 6, 2, null, 3, "/out", "test", T0);

    private static EpochCompleted Epoch(int epoch, string worker, double loss) =>
        new(Job, epoch, 3, "preference", loss, 0.5 + epoch / 10.0, 0.4 + epoch / 10.0, 0.1 / epoch, 2, 1.5, worker, T0.AddMinutes(epoch));

    private static PreferenceModelCheckpointed PmCheckpoint(int epoch, bool final) =>
        new(Job, epoch, 3, "preference", $"/out/epoch-{epoch:000}", $"sha{epoch}", 0.5, 0.1, new Dictionary<string, double>(), final, T0.AddMinutes(epoch));

    private static PpoStarted PpoStart(int steps) => new(Job, Run, "hf:/p", "p", "hf:/p", "p", "/pm", "pm", "ps", 4,
        new PpoHyperParameters(steps, 4, 2, 1, 1e-5, 1e-5, 0.2, 0.2, 0.1, 0, 1, 0.95, 1, 0.05, null, 10000, 8, 2, 7), 7, "local", "/out", "test", T0);

    private static PolicyUpdateCompleted Step(int step, double reward, double kl) =>
        new(Job, step, reward, kl, reward - 0.05 * kl, 0.1 * step, -0.01, 0.5 / step, 2.0, 0.05, 3, "h", step * 4, T0.AddSeconds(step));

    [Fact]
    public void A_pm_job_taken_over_by_another_process_counts_one_resumption_and_its_last_checkpoint_is_its_latest()
    {
        object[] events = [PmStarted(), Epoch(1, "host:10:aa", 0.7), PmCheckpoint(1, false), Epoch(2, "host:10:aa", 0.6), PmCheckpoint(2, false),
            Epoch(3, "host:22:bb", 0.5), PmCheckpoint(3, true)];
        var summary = JobOverview.Of(Job, events, ppoSteps: 0)!;
        Assert.Equal(("pm", "completed", 3, 3, "epochs"), (summary.Kind, summary.State, summary.Done, summary.Total, summary.Unit));
        Assert.Equal(1, summary.Resumptions);
        Assert.Equal(("sha3", 3, true), (summary.LastCheckpoint!.Sha256, summary.LastCheckpoint.At, summary.LastCheckpoint.Final));
        Assert.Equal("builtin:tiny", summary.BaseModel);
        Assert.Equal(Run, summary.RunId);
    }

    [Fact]
    public void A_ppo_job_is_running_until_a_final_checkpoint_and_failed_once_its_failure_is_recorded()
    {
        object[] running = [PpoStart(4), Step(1, 0.2, 0.0), Step(2, 0.3, 0.1)];
        var summary = JobOverview.Of(Job, running, ppoSteps: 2)!;
        Assert.Equal(("ppo", "running", 2, 4, "steps"), (summary.Kind, summary.State, summary.Done, summary.Total, summary.Unit));
        Assert.Null(summary.Resumptions); // PPO events do not name their process
        Assert.Null(summary.LastCheckpoint);

        var failed = JobOverview.Of(Job, [.. running, new PpoFailed(Job, "the preference model is gone", T0)], ppoSteps: 2)!;
        Assert.Equal(("failed", "the preference model is gone"), (failed.State, failed.Error));
    }

    [Fact]
    public void A_request_that_never_started_is_a_failed_job_of_its_kind_and_a_stream_of_other_events_is_no_job()
    {
        var failed = JobOverview.Of(Job, [new PolicyTrainingFailed(Job, "no SL examples", T0)], 0)!;
        Assert.Equal(("sft", "failed", (Guid?)null, "no SL examples"), (failed.Kind, failed.State, failed.RunId, failed.Error));
        Assert.Null(JobOverview.Of(Job, [new RunCompleted(Run, 1, 0, "x", T0)], 0));
    }

    [Fact]
    public void Ppo_curves_have_one_point_per_step_with_the_events_values()
    {
        object[] events = [PpoStart(3), Step(1, 0.25, 0.0), Step(2, 0.5, 0.125), Step(3, 0.75, 0.5)];
        var charts = JobCharts.Of(events).ToDictionary(c => c.Id);
        Assert.Equal(["ppo-reward", "ppo-kl", "ppo-beta", "ppo-clip-fraction", "ppo-value-loss"], charts.Keys);
        Assert.Equal([(1.0, (double?)0.25), (2.0, 0.5), (3.0, 0.75)], charts["ppo-reward"].Series[0].Points.Select(p => (p.X, p.Y)));
        Assert.Equal([0.25 - 0.0, 0.5 - 0.05 * 0.125, 0.75 - 0.05 * 0.5], charts["ppo-reward"].Series[1].Points.Select(p => p.Y!.Value));
        Assert.Equal([0.0, 0.125, 0.5], charts["ppo-kl"].Series.Single().Points.Select(p => p.Y!.Value));
        Assert.Equal([0.5, 0.25, 0.5 / 3], charts["ppo-value-loss"].Series.Single().Points.Select(p => p.Y!.Value));
    }

    [Fact]
    public void Pm_curves_follow_epoch_completed_and_a_value_that_is_not_finite_is_a_gap()
    {
        object[] events = [PmStarted(), Epoch(1, "w", 0.75), Epoch(2, "w", double.NaN)];
        var charts = JobCharts.Of(events).ToDictionary(c => c.Id);
        Assert.Equal([(1.0, (double?)0.75), (2.0, null)], charts["pm-loss"].Series.Single().Points.Select(p => (p.X, p.Y)));
        Assert.Equal(["training accuracy", "held-out accuracy"], charts["pm-accuracy"].Series.Select(s => s.Name));
        Assert.Equal([0.6, 0.7], charts["pm-accuracy"].Series[0].Points.Select(p => p.Y!.Value));
        Assert.Equal([0.1, 0.05], charts["pm-ece"].Series.Single().Points.Select(p => p.Y!.Value));
    }

    [Fact]
    public void With_human_comparisons_mixed_in_the_pm_curves_add_each_sources_held_out_accuracy_and_ece_and_minus_one_is_a_gap()
    {
        object[] events =
        [
            PmStarted(),
            Epoch(1, "w", 0.7) with { AiHeldOut = new HeldOutMetrics(6, 0.5, 0.25), HumanHeldOut = new HeldOutMetrics(0, -1, -1) },
            Epoch(2, "w", 0.6) with { AiHeldOut = new HeldOutMetrics(6, 0.75, 0.125), HumanHeldOut = new HeldOutMetrics(2, 1.0, 0.0625) },
        ];
        var charts = JobCharts.Of(events).ToDictionary(c => c.Id);
        var accuracy = charts["pm-accuracy"].Series.ToDictionary(s => s.Name, s => s.Points.Select(p => p.Y).ToList());
        Assert.Equal(["training accuracy", "held-out accuracy", "held-out accuracy (AI labels)", "held-out accuracy (human)"], accuracy.Keys);
        Assert.Equal([0.5, 0.75], accuracy["held-out accuracy (AI labels)"]);
        Assert.Equal([null, 1.0], accuracy["held-out accuracy (human)"]);
        Assert.Equal([null, 0.0625], charts["pm-ece"].Series.Single(s => s.Name == "ECE (human)").Points.Select(p => p.Y));
        // AI labels alone: no per-source series.
        Assert.Equal(2, JobCharts.Of([PmStarted(), Epoch(1, "w", 0.7)]).Single(c => c.Id == "pm-accuracy").Series.Count);
    }

    [Fact]
    public void Sft_curves_are_the_loss_and_learning_rate_recorded_at_each_checkpoint()
    {
        var hp = new SftHyperParameters(1, 2, 1e-4, 0, 0.1, 0, 1, 64, 2, 7);
        PolicyCheckpointed Checkpoint(int step, double loss, double lr) => new(Job, step, 4, $"/c{step}", "s", 1, hp,
            new Dictionary<string, double> { ["loss"] = loss, ["learning_rate"] = lr }, step == 4, T0);
        object[] events = [new PolicyTrainingStarted(Job, "sft", Run, "builtin:tiny", "b", 1, "d", 8, 4, hp, "/out", "test", T0),
            Checkpoint(2, 2.5, 1e-4), Checkpoint(4, 2.0, 1e-5)];
        var charts = JobCharts.Of(events).ToDictionary(c => c.Id);
        Assert.Equal([(2.0, (double?)2.5), (4.0, 2.0)], charts["sft-loss"].Series.Single().Points.Select(p => (p.X, p.Y)));
        Assert.Equal([1e-4, 1e-5], charts["sft-learning-rate"].Series.Single().Points.Select(p => p.Y!.Value));
        var summary = JobOverview.Of(Job, events, 0)!;
        Assert.Equal(("sft", "completed", 4, 4), (summary.Kind, summary.State, summary.Done, summary.Total));
    }

    [Fact]
    public void A_pm_job_draws_the_reliability_of_its_last_checkpoint_from_its_bins_and_an_older_checkpoint_without_bins_draws_none()
    {
        IReadOnlyList<ReliabilityBin> bins =
        [
            new(0.5, 0.75, 3, 0.625, 0.5), new(0.75, 1.0, 0, null, null),
        ];
        IReadOnlyList<ReliabilityBin> later = [new(0.5, 0.75, 1, 0.7, 1.0), new(0.75, 1.0, 2, 0.875, 0.5)];
        object[] events = [PmStarted(), Epoch(1, "w", 0.7), PmCheckpoint(1, false) with { HeldOutReliability = bins }, Epoch(2, "w", 0.6),
            PmCheckpoint(2, true) with { HeldOutReliability = later }];
        var reliability = JobCharts.Of(events).Single(c => c.Id == "pm-reliability");
        Assert.Equal("scatter", reliability.Kind);
        // The last checkpoint's non-empty bins, one dot each at (mean confidence, share right).
        Assert.Equal([(0.7, (double?)1.0), (0.875, 0.5)], reliability.Series.Single().Points.Select(p => (p.X, p.Y)));
        Assert.Contains("epoch 2", reliability.Title);

        // A checkpoint event written before the bins were recorded: no diagram, and the curves are as before.
        object[] old = [PmStarted(), Epoch(1, "w", 0.7), PmCheckpoint(1, true)];
        Assert.DoesNotContain(JobCharts.Of(old), c => c.Id == "pm-reliability");
        Assert.Equal(["pm-loss", "pm-accuracy", "pm-ece"], JobCharts.Of(old).Select(c => c.Id));
    }

    [Fact]
    public void A_checkpoint_event_written_before_reliability_bins_existed_still_reads_with_none()
    {
        const string stored = """
            {"JobId":"11111111-1111-1111-1111-111111111111","Epoch":1,"TotalEpochs":1,"Phase":"preference","Path":"/p","Sha256":"s",
             "HeldOutAccuracy":0.5,"Ece":0.1,"PerPrincipleAccuracy":{},"Final":true,"RecordedAt":"2026-12-07T12:00:00+00:00"}
            """;
        var checkpoint = System.Text.Json.JsonSerializer.Deserialize<PreferenceModelCheckpointed>(stored)!;
        Assert.Null(checkpoint.HeldOutReliability);
        Assert.Equal(0.1, checkpoint.Ece);
        // And a new one leaves nothing out: its bins come back as written.
        var withBins = checkpoint with { HeldOutReliability = [new ReliabilityBin(0.5, 1.0, 2, 0.75, 0.5)] };
        var roundTrip = System.Text.Json.JsonSerializer.Deserialize<PreferenceModelCheckpointed>(System.Text.Json.JsonSerializer.Serialize(withBins))!;
        Assert.Equal(withBins.HeldOutReliability, roundTrip.HeldOutReliability);
    }
}
