using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Preferences;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Models.Preference;
using CaiEvents.Workers.PMTrainer;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>Preference-model training as a PMTrainer job: a command through RabbitMQ, background work, events, kill -9 and resume.</summary>
[Collection(nameof(IntegrationCollection))]
public class PreferenceModelJobTests
{
    private static Dictionary<string, string> Hp(int epochs) => new()
    {
        ["base_model"] = "builtin:tiny", ["epochs"] = epochs.ToString(), ["batch_size"] = "4", ["lr"] = "0.001", ["warmup_steps"] = "1", ["heldout_fraction"] = "0.25",
    };

    internal static async Task<(Guid RunId, long AsOf)> LabelledRunAsync(TestServices services)
    {
        using var labelling = await Harness.StartHostAsync(services, [WorkerRoles.Generator, WorkerRoles.Labeller], TransportKind.InMemory);
        var feedback = Harness.TinyFeedback();
        var runId = await Harness.SubmitAsync(labelling, Harness.Request(Harness.Prompts(12), revisions: 1) with { Feedback = feedback, RunSlStage = false });
        await Harness.WaitAsync(labelling, runId);
        await using var query = labelling.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var asOf = await query.Events.QueryAllRawEvents().MaxAsync(e => e.Sequence);
        return (runId, asOf);
    }

    private static async Task<IReadOnlyList<object>> WaitForFinalAsync(IDocumentStore store, Guid jobId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var events = (await Harness.StreamAsync(store, jobId)).Select(e => e.Data).ToList();
            if (events.Any(e => e is PreferenceModelCheckpointed { Final: true } or PreferenceModelTrainingFailed)) return events;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {jobId}: {string.Join(", ", events.Select(e => e.GetType().Name))}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Human_comparisons_mixed_in_are_named_in_the_snapshot_held_out_too_and_reported_apart()
    {
        await using var services = await TestServices.StartAsync();
        var (runId, _) = await LabelledRunAsync(services);
        var output = Directory.CreateTempSubdirectory("cai-pm-");
        try
        {
            using var worker = await Harness.StartHostAsync(services, [WorkerRoles.PmTrainer], TransportKind.InMemory, null,
                ("Workers:PMTrainer:OutputRoot", output.FullName), ("Workers:Jobs:PollIntervalMs", "200"));
            var store = worker.Services.GetRequiredService<IDocumentStore>();
            var records = Enumerable.Range(1, 8).Select(i => new ImportedPreference(i, $"h-{i}", $"Human question number {i}?",
                $"A careful, kind answer {i}.", $"A rude answer {i}.")).ToList();
            Assert.Equal((8, 0), await PreferenceImport.ImportAsync(store, runId, "human.jsonl", records, TimeProvider.System, default));
            long asOf;
            await using (var query = store.QuerySession())
                asOf = await query.Events.QueryAllRawEvents().MaxAsync(e => e.Sequence);

            var hp = new Dictionary<string, string>(Hp(1)) { ["human_run"] = runId.ToString() };
            var jobId = PreferenceModelRequest.JobId(runId, asOf, 5, hp);
            Assert.NotEqual(PreferenceModelRequest.JobId(runId, asOf, 5, Hp(1)), jobId);
            var command = new TrainPreferenceModel(jobId, runId, asOf, 5, hp);
            await (await worker.Services.GetRequiredService<ISendEndpointProvider>().GetSendEndpoint(CommandQueues.AddressFor(command))).Send(command);

            var events = await WaitForFinalAsync(store, jobId, TimeSpan.FromMinutes(2));
            var started = Assert.IsType<PreferenceModelTrainingStarted>(events[0]);
            Assert.Equal(20, started.DatasetSize);
            // Held out: ceil(0.25 · 12) = 3 AI prompts and ceil(0.25 · 8) = 2 human prompts.
            Assert.Equal(5, started.HeldOutSize);
            Assert.Equal(runId, started.HyperParameters.HumanRunId);
            var sources = started.Sources!;
            Assert.Equal(20, sources.Count);
            Assert.All(sources.Take(12), s => Assert.True(s is { Kind: PreferencePairSource.Ai, LabelId: not null, Import: null }));
            Assert.Equal(records.Select(r => new ImportOrigin("human.jsonl", r.LineNumber, r.Id)), sources.Skip(12).Select(s => s.Import));
            Assert.Equal((3, 2), (sources.Count(s => s is { HeldOut: true, Kind: PreferencePairSource.Ai }),
                sources.Count(s => s is { HeldOut: true, Kind: PreferencePairSource.Human })));

            var epoch = Assert.Single(events.OfType<EpochCompleted>());
            Assert.Equal((3, 2), (epoch.AiHeldOut!.Pairs, epoch.HumanHeldOut!.Pairs));
            Assert.InRange(epoch.HumanHeldOut.Accuracy, 0, 1);
            var final = events.OfType<PreferenceModelCheckpointed>().Single(c => c.Final);
            Assert.Equal(epoch.AiHeldOut, final.AiHeldOut);
            Assert.Equal(epoch.HumanHeldOut, final.HumanHeldOut);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_command_through_rabbitmq_trains_in_the_background_and_a_redelivered_command_appends_nothing()
    {
        await using var services = await TestServices.StartAsync();
        var (runId, asOf) = await LabelledRunAsync(services);
        var output = Directory.CreateTempSubdirectory("cai-pm-");
        try
        {
            using var worker = await Harness.StartHostAsync(services, [WorkerRoles.PmTrainer], TransportKind.RabbitMq, null,
                ("Workers:PMTrainer:OutputRoot", output.FullName), ("Workers:Jobs:PollIntervalMs", "200"));
            var store = worker.Services.GetRequiredService<IDocumentStore>();
            var hp = Hp(2);
            var jobId = PreferenceModelRequest.JobId(runId, asOf, 5, hp);
            var command = new TrainPreferenceModel(jobId, runId, asOf, 5, hp);
            var endpoint = await worker.Services.GetRequiredService<ISendEndpointProvider>().GetSendEndpoint(CommandQueues.AddressFor(command));
            await endpoint.Send(command);
            await endpoint.Send(command); // a duplicate delivery

            var events = await WaitForFinalAsync(store, jobId, TimeSpan.FromMinutes(2));
            var started = Assert.IsType<PreferenceModelTrainingStarted>(events[0]);
            Assert.Equal((runId, asOf, 12, 3, 9), (started.RunId, started.AsOf, started.DatasetSize, started.HeldOutSize, started.TrainSize));
            Assert.Equal([1, 2], events.OfType<EpochCompleted>().Select(e => e.Epoch));
            var checkpoints = events.OfType<PreferenceModelCheckpointed>().ToList();
            Assert.Equal([1, 2], checkpoints.Select(c => c.Epoch));
            var final = checkpoints[^1];
            Assert.True(final.Final);
            Assert.Equal(RewardModel.FileSha256(final.Path), final.Sha256);
            Assert.InRange(final.HeldOutAccuracy, 0, 1);
            Assert.InRange(final.Ece, 0, 1);
            Assert.NotEmpty(final.PerPrincipleAccuracy);
            Assert.Null(started.Sources); // AI labels alone: no per-pair sources and no per-source metrics, as before
            Assert.Null(final.HumanHeldOut);
            Assert.Null(final.AiHeldOut);
            Assert.Equal(5, events.Count); // started + 2 × (epoch, checkpoint): the duplicate wrote nothing

            // The checkpoint scores through the shared scorer.
            using var scorer = RewardScorer.Load(final.Path, new Models.ModelOptions(Device: "cpu"));
            Assert.Single(await scorer.ScoreAsync([("Hi", "Hello")]));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_worker_killed_after_its_first_checkpoint_is_resumed_by_a_new_worker_with_no_epoch_doubled_and_the_same_weights()
    {
        await using var services = await TestServices.StartAsync();
        var (runId, asOf) = await LabelledRunAsync(services);
        var output = Directory.CreateTempSubdirectory("cai-pm-");
        try
        {
            var environment = services.ProcessEnvironment();
            environment["Workers__PMTrainer__OutputRoot"] = output.FullName;
            environment["Workers__Jobs__PollIntervalMs"] = "200";
            using var sender = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
            var store = sender.Services.GetRequiredService<IDocumentStore>();
            // Epochs enough that a loaded machine's polling still sees a checkpoint well before the job ends (with 6, a CI run once
            // saw the first worker finish before it was killed); waits long enough for 24 epochs on a loaded machine (2 min once was not).
            const int Epochs = 24;
            var hp = Hp(Epochs);

            // Reference: the same job (other seed-equal settings) uninterrupted, in this process.
            Guid straightId;
            using (var local = await Harness.StartHostAsync(services, [WorkerRoles.PmTrainer], TransportKind.InMemory, null,
                       ("Workers:PMTrainer:OutputRoot", Path.Combine(output.FullName, "straight")), ("Workers:Jobs:PollIntervalMs", "200")))
            {
                straightId = PreferenceModelRequest.JobId(runId, asOf, 8, hp);
                var command = new TrainPreferenceModel(straightId, runId, asOf, 8, hp);
                await (await local.Services.GetRequiredService<ISendEndpointProvider>().GetSendEndpoint(CommandQueues.AddressFor(command))).Send(command);
                await WaitForFinalAsync(store, straightId, TimeSpan.FromMinutes(5));
            }
            var straight = (await Harness.StreamAsync(store, straightId)).Select(e => e.Data).OfType<PreferenceModelCheckpointed>().Last();

            // The same data and seed as another job (one more held-out-neutral key changes only the id): run by worker processes.
            var hpKilled = new Dictionary<string, string>(hp) { ["pmp_pairs_per_question"] = "2" }; // unused without a PMP file
            var jobId = PreferenceModelRequest.JobId(runId, asOf, 8, hpKilled);
            using (var first = CliProcess.Start(environment, "worker", "pmtrainer"))
            {
                var command = new TrainPreferenceModel(jobId, runId, asOf, 8, hpKilled);
                await (await sender.Services.GetRequiredService<ISendEndpointProvider>().GetSendEndpoint(CommandQueues.AddressFor(command))).Send(command);
                var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
                while (!(await Harness.StreamAsync(store, jobId)).Any(e => e.Data is PreferenceModelCheckpointed))
                {
                    Assert.True(DateTime.UtcNow < deadline, "no checkpoint from the first worker: " + first.Stderr);
                    Assert.False(first.HasExited, "the worker exited: " + first.Stderr);
                    await Task.Delay(50);
                }
            } // Dispose kills the process (SIGKILL) mid-run
            var beforeRestart = (await Harness.StreamAsync(store, jobId)).Select(e => e.Data).OfType<PreferenceModelCheckpointed>().ToList();
            Assert.InRange(beforeRestart.Count, 1, Epochs - 1); // killed before the end

            using (var second = CliProcess.Start(environment, "worker", "pmtrainer"))
            {
                var events = await WaitForFinalAsync(store, jobId, TimeSpan.FromMinutes(5));
                Assert.Equal(Enumerable.Range(1, Epochs), events.OfType<EpochCompleted>().Select(e => e.Epoch));
                Assert.Equal(Enumerable.Range(1, Epochs), events.OfType<PreferenceModelCheckpointed>().Select(e => e.Epoch));
                Assert.Equal(straight.Sha256, events.OfType<PreferenceModelCheckpointed>().Last().Sha256);
            }
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
