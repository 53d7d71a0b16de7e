using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Common.Jobs;
using CaiEvents.Workers.SftTrainer;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>SL-CAI fine-tuning as an SftTrainer job: a <see cref="FineTunePolicy"/> command through RabbitMQ, background work, events.</summary>
[Collection(nameof(IntegrationCollection))]
public class SftTrainerTests
{
    private static readonly SftHyperParameters Hp = new(Epochs: 2, BatchSize: 2, LearningRate: 1e-3, WarmupSteps: 1, MinLearningRateRatio: 0.1,
        WeightDecay: 0, MaxGradNorm: 1, MaxSequenceLength: 256, CheckpointEvery: 1, Seed: 11);

    private static async Task<IReadOnlyList<object>> WaitForEndAsync(IDocumentStore store, Guid jobId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var events = (await Harness.StreamAsync(store, jobId)).Select(e => e.Data).ToList();
            if (events.Any(e => e is PolicyCheckpointed { Final: true } or PolicyTrainingFailed)) return events;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {jobId}: {string.Join(", ", events.Select(e => e.GetType().Name))}");
            await Task.Delay(200);
        }
    }

    private static async Task<JobRecord?> RecordAsync(IDocumentStore store, Guid jobId)
    {
        await using var query = store.QuerySession();
        return await query.LoadAsync<JobRecord>(jobId);
    }

    [Fact]
    public async Task A_command_sent_twice_through_rabbitmq_fine_tunes_one_job_to_the_weights_cai_sft_gets()
    {
        await using var services = await TestServices.StartAsync();
        Guid runId;
        using (var sl = await Harness.StartHostAsync(services, WorkerRoles.SlStage, TransportKind.InMemory))
        {
            runId = await Harness.SubmitAsync(sl, Harness.Request(Harness.Prompts(4), revisions: 1));
            await Harness.WaitAsync(sl, runId);
        }
        var root = Directory.CreateTempSubdirectory("cai-sft-worker-");
        try
        {
            using var worker = await Harness.StartHostAsync(services, [WorkerRoles.SftTrainer], TransportKind.RabbitMq, null, ("Workers:Jobs:PollIntervalMs", "200"));
            var store = worker.Services.GetRequiredService<IDocumentStore>();
            var output = Path.Combine(root.FullName, "worker");
            var command = new FineTunePolicy(SftJob.JobId(runId, output), runId, "builtin:tiny", output, null, Hp);
            var endpoint = await worker.Services.GetRequiredService<ISendEndpointProvider>().GetSendEndpoint(CommandQueues.AddressFor(command));
            await endpoint.Send(command);
            await endpoint.Send(command); // a duplicate delivery

            var events = await WaitForEndAsync(store, command.JobId, TimeSpan.FromMinutes(2));
            var started = Assert.IsType<PolicyTrainingStarted>(events[0]);
            Assert.Equal((SftJob.Kind, runId, 4), (started.Kind, started.RunId, started.DatasetSize));
            Assert.Equal([1, 2, 3, 4], events.OfType<PolicyCheckpointed>().Select(c => c.Step)); // the duplicate wrote nothing
            Assert.Equal(5, events.Count);
            var final = events.OfType<PolicyCheckpointed>().Last();
            Assert.True(final.Final);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                await File.ReadAllBytesAsync(Path.Combine(final.Path, Gpt2Checkpoint.WeightsFileName)))), final.Sha256);
            Assert.True((await RecordAsync(store, command.JobId))!.Finished);

            // The same request run in-process (as `cai sft` does) ends with the same weights.
            var direct = await new SftJob(store, new WorkerIdentity("test"), TimeProvider.System)
                .RunAsync(new SftRequest(runId, "builtin:tiny", Path.Combine(root.FullName, "direct"), null, Hp), new ModelOptions(Device: "cpu"), null, default);
            Assert.Equal(direct.Sha256, final.Sha256);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_request_for_an_unknown_run_becomes_one_failure_event_and_a_finished_job()
    {
        await using var services = await TestServices.StartAsync();
        var root = Directory.CreateTempSubdirectory("cai-sft-bad-");
        try
        {
            using var worker = await Harness.StartHostAsync(services, [WorkerRoles.SftTrainer], TransportKind.RabbitMq, null, ("Workers:Jobs:PollIntervalMs", "200"));
            var store = worker.Services.GetRequiredService<IDocumentStore>();
            var runId = Guid.NewGuid();
            var output = Path.Combine(root.FullName, "out");
            var command = new FineTunePolicy(SftJob.JobId(runId, output), runId, "builtin:tiny", output, null, Hp);
            var endpoint = await worker.Services.GetRequiredService<ISendEndpointProvider>().GetSendEndpoint(CommandQueues.AddressFor(command));
            await endpoint.Send(command);
            await endpoint.Send(command);

            var events = await WaitForEndAsync(store, command.JobId, TimeSpan.FromMinutes(1));
            await Harness.DrainAsync(services);
            events = (await Harness.StreamAsync(store, command.JobId)).Select(e => e.Data).ToList();
            var failed = Assert.IsType<PolicyTrainingFailed>(Assert.Single(events));
            Assert.Contains($"run {runId} has no finalised SL examples", failed.Reason);
            Assert.True((await RecordAsync(store, command.JobId))!.Finished);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    /// <summary>A trivial observer: the test reads the job's events, not the console.</summary>
    private sealed class SilentObserver : Application.Training.ISlCaiFineTuningObserver, Application.Demo.IDemoModelTrainingObserver
    {
        public Application.Demo.IDemoModelTrainingObserver DemoModel => this;
        public int Steps { get; private set; }
        public void Started(Guid jobId, string baseModel, Guid runId) { }
        public void Step(Models.Training.TrainingStepMetrics metrics, int totalSteps) => Steps++;
        public void Started(string recipeHash, string directory) => throw new InvalidOperationException("builtin:demo is not named here");
        public void Watch(Action<Action<Models.Training.TrainingStepMetrics, int>> train) => train((_, _) => { });
        public void Finished(Models.Demo.DemoTrainingReport report) { }
    }

    [Fact]
    public async Task Cai_sft_runs_its_job_through_the_SftTrainer_role_and_writes_nothing_for_bad_input()
    {
        await using var services = await TestServices.StartAsync();
        var configuration = services.HostConfiguration(("Workers:Jobs:PollIntervalMs", "200"));
        Guid runId, emptyRunId;
        using (var sl = await Harness.StartHostAsync(services, WorkerRoles.Runnable, TransportKind.InMemory))
        {
            runId = await Harness.SubmitAsync(sl, Harness.Request(Harness.Prompts(3), revisions: 1));
            await Harness.WaitAsync(sl, runId);
            emptyRunId = await Harness.SubmitAsync(sl, Harness.Request(Harness.Prompts(1), revisions: 1) with { RunSlStage = false,
                Feedback = Harness.TinyFeedback() });
            await Harness.WaitAsync(sl, emptyRunId);
        }
        var root = Directory.CreateTempSubdirectory("cai-sft-usecase-");
        try
        {
            await using var store = EventStore.EventStoreSetup.CreateStore(services.EventStore);
            var observer = new SilentObserver();
            var output = Path.Combine(root.FullName, "sft");
            var final = await Application.Training.SlCaiFineTuning.RunAsync(runId, output, "builtin:tiny", null, Hp, configuration, observer, default);

            // The job was run by the SftTrainer role's background service: its record says so, and steps were reported through it.
            var jobId = SftJob.JobId(runId, output);
            var record = await RecordAsync(store, jobId);
            Assert.NotNull(record);
            Assert.Equal(SftJob.Kind, record.Kind);
            Assert.True(record.Finished);
            Assert.Equal(final.TotalSteps, observer.Steps);
            Assert.Equal(final.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                File.ReadAllBytes(Path.Combine(final.Path, Gpt2Checkpoint.WeightsFileName)))));

            // A run without SL examples is bad input: one line, and no job stream is written.
            var emptyOutput = Path.Combine(root.FullName, "empty");
            var error = await Assert.ThrowsAsync<Domain.InputException>(() =>
                Application.Training.SlCaiFineTuning.RunAsync(emptyRunId, emptyOutput, "builtin:tiny", null, Hp, configuration, observer, default));
            Assert.Equal($"--run: run {emptyRunId} has no finalised SL examples", error.Message);
            Assert.Empty(await Harness.StreamAsync(store, SftJob.JobId(emptyRunId, emptyOutput)));

            // The same output with other settings is refused before anything is sent.
            var other = await Assert.ThrowsAsync<Domain.InputException>(() =>
                Application.Training.SlCaiFineTuning.RunAsync(runId, output, "builtin:tiny", null, Hp with { Seed = 12 }, configuration, observer, default));
            Assert.Contains("with other settings; use another --out", other.Message);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
