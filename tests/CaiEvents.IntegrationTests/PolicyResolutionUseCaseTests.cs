using CaiEvents.Application;
using CaiEvents.Application.Demo;
using CaiEvents.Application.Runs;
using CaiEvents.Application.Training;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Models.Demo;
using CaiEvents.Models.Training;
using CaiEvents.Workers.PPOLearner;
using CaiEvents.Workers.Submission;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// <c>sft:RUN</c> through the use cases (the CLI's run, submit and ppo train call them): resolved by PolicyResolver to the run's
/// SL-CAI checkpoint, and its errors as the CLI's one-line texts.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class PolicyResolutionUseCaseTests
{
    private sealed class RecordingObserver : IRunObserver, IDemoModelTrainingObserver, ISlCaiFineTuningObserver
    {
        public List<(Guid Run, PolicyCheckpointed Checkpoint)> Resolved { get; } = [];

        public IDemoModelTrainingObserver DemoModel => this;

        public void PolicyResolved(Guid sftRunId, PolicyCheckpointed checkpoint) => Resolved.Add((sftRunId, checkpoint));

        public void Started(Guid runId, RunRequest request, TransportKind transport) { }

        public Task<RunState> WatchAsync(Func<Action<RunState, RunProgress>, Task<RunState>> follow) => follow((_, _) => { });

        public void Started(string recipeHash, string directory) => throw new InvalidOperationException("builtin:demo is not named here");

        public void Watch(Action<Action<TrainingStepMetrics, int>> train) => train((_, _) => { });

        public void Finished(DemoTrainingReport report) { }

        public void Started(Guid jobId, string baseModel, Guid runId) { }

        public void Step(TrainingStepMetrics metrics, int totalSteps) { }
    }

    private static RunRequest WithPolicy(RunRequest request, string policy) =>
        request with { Feedback = Harness.TinyFeedback() with { PolicyModel = policy } };

    [Fact]
    public async Task Sft_references_resolve_to_the_run_s_checkpoint_or_fail_with_the_cli_s_one_line_texts()
    {
        await using var services = await TestServices.StartAsync();
        var configuration = services.HostConfiguration();
        using var host = await Harness.StartHostAsync(services, WorkerRoles.SlStage, TransportKind.InMemory);
        var runId = await Harness.SubmitAsync(host, Harness.Request(Harness.Prompts(2), revisions: 1));
        await Harness.WaitAsync(host, runId);
        var observer = new RecordingObserver();
        var request = Harness.Request(Harness.Prompts(1), revisions: 1);

        // Malformed: checked before anything is opened.
        var malformed = await Assert.ThrowsAsync<UsageException>(() =>
            RunSubmission.SubmitAsync(WithPolicy(request, "sft:not-a-run"), configuration, observer, default));
        Assert.Equal("--policy sft: run 'not-a-run' is not a valid id (expected a GUID)", malformed.Message);

        // No finished SL-CAI job yet: run/submit and ppo train name the command that makes one.
        var missing = await Assert.ThrowsAsync<UsageException>(() =>
            RunSubmission.SubmitAsync(WithPolicy(request, $"sft:{runId}"), configuration, observer, default));
        Assert.Equal($"--policy: run {runId} has no finished SL-CAI fine-tuning job (run ./cai sft --run {runId} --out DIR first)", missing.Message);
        var ppoValues = PolicyOptimisation.HyperParameterValues(4, 2, 1, 1e-4, 0.1, 0, 32, 8, 1);
        var ppoMissing = await Assert.ThrowsAsync<UsageException>(() => PolicyOptimisation.TrainAsync(runId, "pm", null, null,
            PpoCommandRequest.Parse(1, 1, ppoValues), ppoValues, PpoCommandRequest.InProcess, PpoCommandRequest.InProcess, TransportKind.InMemory,
            local: false, TimeSpan.FromSeconds(30), configuration, null!, default));
        Assert.Equal($"--policy: run {runId} has no finished SL-CAI fine-tuning job (run ./cai sft --run {runId} --out DIR first, or pass --policy MODEL)",
            ppoMissing.Message);
        Assert.Empty(observer.Resolved);

        // After `cai sft`: the run's policy is its final checkpoint, recorded as hf:DIR.
        var output = Directory.CreateTempSubdirectory("cai-policy-");
        try
        {
            var hp = new SftHyperParameters(1, 2, 1e-3, 0, 0.1, 0, 1, 128, 10, 3);
            var sft = await SlCaiFineTuning.RunAsync(runId, output.FullName, "builtin:tiny", null, hp, configuration, observer, default);
            var resolved = await RunPolicy.ResolveAsync(WithPolicy(request, $"sft:{runId}"), configuration, observer, default);
            Assert.Equal(ModelIds.Hf(sft.Path), resolved.Feedback!.PolicyModel);
            var (sftRun, checkpoint) = Assert.Single(observer.Resolved);
            Assert.Equal(runId, sftRun);
            Assert.Equal(sft.Sha256, checkpoint.Sha256);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
