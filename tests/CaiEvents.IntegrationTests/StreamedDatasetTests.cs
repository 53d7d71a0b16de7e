using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Preferences;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Datasets;
using CaiEvents.EventStore.Integrity;
using CaiEvents.Hosting;
using CaiEvents.Workers.Submission;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Parquet.Serialization;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// Exports, dataset snapshots, resume, retry-failed and audit verify read a run a bounded batch at a time: a batch smaller than the
/// run gives exactly what one batch gives, and verifying one run reads only that run's streams.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class StreamedDatasetTests
{
    private const int Prompts = 7;
    private const int SmallBatch = 2;

    /// <summary>A completed run of builtin:echo with SL samples and labelled comparisons; the worker host is stopped before it returns.</summary>
    private static async Task<Guid> ProduceRunAsync(TestServices services, IHost worker, int prompts)
    {
        var sampling = new SamplingParameters(MaxNewTokens: 8);
        var feedback = new FeedbackConfiguration("builtin:echo", sampling, "builtin:echo", PrinciplesPerLabel: 2, LabelMode.Soft, 0.4, 0.6, sampling,
            FeedbackPrompt.TemplateVersion);
        var request = Harness.Request(Harness.Prompts(prompts), revisions: 1) with
        {
            GeneratorModel = "builtin:echo", CriticModel = "builtin:echo", ReviserModel = "builtin:echo", Feedback = feedback,
        };
        var runId = await Harness.SubmitAsync(worker, request);
        Assert.Equal(2 * prompts, (await Harness.WaitAsync(worker, runId)).Finalized);
        return runId;
    }

    private static async Task<byte[]> ExportAsync(Func<string, Task<int>> write, int expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cai-stream-{Guid.NewGuid():N}");
        try
        {
            Assert.Equal(expected, await write(path));
            return await File.ReadAllBytesAsync(path);
        }
        finally { File.Delete(path); }
    }

    private static async Task<string> ParquetRowsAsync<TRow>(byte[] file) where TRow : class, new()
    {
        using var stream = new MemoryStream(file);
        return JsonSerializer.Serialize((await ParquetSerializer.DeserializeAsync<TRow>(stream)).Data);
    }

    [Fact]
    public async Task Batches_smaller_than_the_run_give_the_same_exports_and_dataset_snapshots_as_one_batch()
    {
        await using var services = await TestServices.StartAsync();
        Guid runId;
        using (var worker = await Harness.StartHostAsync(services, WorkerRoles.Runnable, TransportKind.RabbitMq))
        {
            runId = await ProduceRunAsync(services, worker, Prompts);
            await worker.StopAsync();
        }
        await using var store = EventStoreSetup.CreateStore(services.EventStore);
        // Human comparisons from two files, the later file name imported first: they follow the AI labels in file order.
        ImportedPreference Human(int line) => new(line, $"h{line}", $"Human prompt {line}?", $"Kind answer {line}.", $"Rude answer {line}.");
        await PreferenceImport.ImportAsync(store, runId, "b.jsonl", [Human(1), Human(2)], TimeProvider.System, default);
        await PreferenceImport.ImportAsync(store, runId, "a.jsonl", [Human(3)], TimeProvider.System, default);

        await using var session = store.QuerySession();
        long asOf;
        await using (var connection = new NpgsqlConnection(services.ConnectionString))
        {
            // Just before the last sample was finalised: the as-of dataset lacks at least that sample.
            await connection.OpenAsync();
            await using var before = new NpgsqlCommand(
                $"select max(seq_id) - 1 from {services.Schema}.mt_events where type = 'sl_example_finalized'", connection);
            asOf = (long)(await before.ExecuteScalarAsync())!;
        }

        foreach (var format in new[] { DatasetFormat.Text, DatasetFormat.Conversational })
        {
            DatasetExportOptions Options(int batch, bool parquet = false) => new(format, parquet, batch);
            var sl = await ExportAsync(path => SlDatasetExport.WriteFileAsync(session, runId, path, default, null, Options(SmallBatch)), Prompts);
            Assert.Equal(sl, await ExportAsync(path => SlDatasetExport.WriteFileAsync(session, runId, path, default, null, Options(1000)), Prompts));
            Assert.Equal(Prompts, sl.Count(b => b == (byte)'\n'));

            var preferences = await ExportAsync(path => PreferenceDatasetExport.WriteFileAsync(session, runId, path, default, null, Options(SmallBatch)),
                Prompts + 3);
            Assert.Equal(preferences, await ExportAsync(path => PreferenceDatasetExport.WriteFileAsync(session, runId, path, default, null, Options(1000)),
                Prompts + 3));
            var humans = System.Text.Encoding.UTF8.GetString(preferences).Split('\n', StringSplitOptions.RemoveEmptyEntries)[Prompts..]
                .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("source").GetString()).ToList();
            Assert.Equal(["human", "human", "human"], humans);
            Assert.Contains("Human prompt 3?", System.Text.Encoding.UTF8.GetString(preferences).Split('\n')[Prompts]);

            // As of an earlier event: folded from the events a batch of streams at a time.
            var slThen = await SlDatasetExport.LoadAsync(session, runId, default, asOf);
            var slThenSmall = await ExportAsync(path => SlDatasetExport.WriteFileAsync(session, runId, path, default, asOf, Options(SmallBatch)), slThen.Count);
            Assert.Equal(slThenSmall,
                await ExportAsync(path => SlDatasetExport.WriteFileAsync(session, runId, path, default, asOf, Options(1000)), slThen.Count));
            Assert.InRange(slThen.Count, 0, Prompts - 1);
            var prefThen = (await PreferenceDatasetExport.LoadAsync(session, runId, default, asOf)).Count;
            Assert.Equal(
                await ExportAsync(path => PreferenceDatasetExport.WriteFileAsync(session, runId, path, default, asOf, Options(SmallBatch)), prefThen),
                await ExportAsync(path => PreferenceDatasetExport.WriteFileAsync(session, runId, path, default, asOf, Options(1000)), prefThen));

            // Parquet: one row group per batch, the same rows.
            var slParquet = await ExportAsync(path => SlDatasetExport.WriteFileAsync(session, runId, path, default, null, Options(SmallBatch, true)), Prompts);
            var slParquetOne = await ExportAsync(path => SlDatasetExport.WriteFileAsync(session, runId, path, default, null, Options(1000, true)), Prompts);
            var prefParquet = await ExportAsync(path => PreferenceDatasetExport.WriteFileAsync(session, runId, path, default, null, Options(SmallBatch, true)),
                Prompts + 3);
            var prefParquetOne = await ExportAsync(path => PreferenceDatasetExport.WriteFileAsync(session, runId, path, default, null, Options(1000, true)),
                Prompts + 3);
            if (format == DatasetFormat.Text)
            {
                Assert.Equal(await ParquetRowsAsync<SlTextRow>(slParquetOne), await ParquetRowsAsync<SlTextRow>(slParquet));
                Assert.Equal(await ParquetRowsAsync<PreferenceTextRow>(prefParquetOne), await ParquetRowsAsync<PreferenceTextRow>(prefParquet));
            }
            else
            {
                Assert.Equal(await ParquetRowsAsync<SlConversationalRow>(slParquetOne), await ParquetRowsAsync<SlConversationalRow>(slParquet));
                Assert.Equal(await ParquetRowsAsync<PreferenceConversationalRow>(prefParquetOne),
                    await ParquetRowsAsync<PreferenceConversationalRow>(prefParquet));
            }
        }

        // The snapshots training jobs read: the same examples and hashes whatever the batch size.
        var slDataset = await SlDataset.LoadAsync(session, runId, null, default, SmallBatch);
        Assert.Equal(Prompts, slDataset.Examples.Count);
        Assert.Equal((await SlDataset.LoadAsync(session, runId, null, default)).Hash, slDataset.Hash);
        var slDatasetThen = await SlDataset.LoadAsync(session, runId, asOf, default, SmallBatch);
        Assert.Equal((await SlDataset.LoadAsync(session, runId, asOf, default)).Hash, slDatasetThen.Hash);
        var labels = await PreferenceTrainingSet.LoadAsync(session, runId, null, runId, null, 5, default, SmallBatch);
        Assert.Equal(Prompts + 3, labels.Items.Count);
        Assert.Equal((await PreferenceTrainingSet.LoadAsync(session, runId, null, runId, null, 5, default)).Hash, labels.Hash);
        Assert.Equal(["a.jsonl", "b.jsonl", "b.jsonl"], labels.Items.Skip(Prompts).Select(i => i.Import!.File));
    }

    [Fact]
    public async Task Resume_and_retry_failed_in_batches_smaller_than_the_run_reach_every_item_once()
    {
        await using var services = await TestServices.StartAsync();
        using var submitter = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
        var store = submitter.Services.GetRequiredService<IDocumentStore>();
        await using var scope = submitter.Services.CreateAsyncScope();
        var runSubmitter = scope.ServiceProvider.GetRequiredService<RunSubmitter>();
        var request = Harness.Request(Harness.Prompts(5), revisions: 1) with { Feedback = Harness.TinyFeedback() };
        var runId = await runSubmitter.WriteAsync(request, "test", default);

        // Nothing processed yet: every sample and comparison needs its first command, in batches of two as in one.
        Assert.Equal(10, await runSubmitter.ResumeAsync(runId, default, batchSize: SmallBatch));
        Assert.Equal(10, await runSubmitter.ResumeAsync(runId, default));

        // Every sample fails at its response step (as a fault consumer records it): retry-failed returns them, two per transaction.
        await using (var session = store.LightweightSession())
        {
            var run = (await RunQueries.LoadRunAsync(session, runId, default))!;
            await foreach (var batch in RunItemBatches.SamplesAsync(session, runId, 100, default))
                foreach (var sample in batch)
                    session.Events.Append(sample.Id, new SampleStepFailed(sample.Id, StepNames.Response, 0, "Boom", "test failure",
                        new Provenance(runId, sample.Id, DeterministicIds.Step(sample.Id, StepNames.Failed(StepNames.Response)), runId, runId,
                            WorkerRoles.Generator, "test", null, null, run.Constitution.Id, run.Constitution.ContentHash, null,
                            run.Configuration.PromptTemplateVersion, null, run.Configuration.Seed, DateTimeOffset.UtcNow)));
            await session.SaveChangesAsync();
        }
        var retrier = new FailedItemRetrier(store, submitter.Services.GetRequiredService<IBus>(), TimeProvider.System, batchSize: SmallBatch);
        Assert.Equal(new RetryOutcome(5, 5), await retrier.RetryAsync(runId, "test", default));
        // Nothing failed any more: nothing appended, the retried samples' commands sent again (consumers ignore duplicates).
        Assert.Equal(new RetryOutcome(0, 5), await retrier.RetryAsync(runId, "test", default));

        await using var query = store.QuerySession();
        var samples = await RunQueries.SamplesAsync(query, runId, default);
        Assert.All(samples, s => Assert.Equal((SampleStatus.Submitted, 1), (s.Status, s.Retries)));
        var retries = (await query.Events.FetchStreamAsync(runId)).Select(e => e.Data).OfType<RunRetryRequested>().ToList();
        Assert.Equal([2, 2, 1], retries.Select(r => r.ItemIds.Count));
        Assert.Equal(samples.Select(s => s.Id).Order(), retries.SelectMany(r => r.ItemIds).Order());
    }

    [Fact]
    public async Task Audit_verify_of_a_run_reads_only_its_own_streams_and_the_whole_store_verify_reads_every_stream()
    {
        await using var services = await TestServices.StartAsync();
        Guid first, second;
        using (var worker = await Harness.StartHostAsync(services, WorkerRoles.Runnable, TransportKind.RabbitMq))
        {
            first = await ProduceRunAsync(services, worker, 3);
            second = await ProduceRunAsync(services, worker, 2);
            await worker.StopAsync();
        }

        // The other run's response is edited in PostgreSQL.
        Guid tampered;
        await using (var connection = new NpgsqlConnection(services.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"update {services.Schema}.mt_events set data = jsonb_set(data, '{{Response}}', '\"edited\"') where seq_id = (select min(seq_id) from " +
                $"{services.Schema}.mt_events where type = 'response_generated' and data->'Provenance'->>'RunId' = @run) returning stream_id", connection);
            command.Parameters.AddWithValue("run", second.ToString("D"));
            tampered = (Guid)(await command.ExecuteScalarAsync())!;
        }

        var own = await ChainVerifier.VerifyAsync(services.EventStore, first, default);
        Assert.True(own.Ok, string.Join("\n", own.Problems));
        Assert.Equal(1 + 3 + 3, own.Streams); // the run, its samples and its comparisons

        var other = await ChainVerifier.VerifyAsync(services.EventStore, second, default);
        Assert.Equal(1 + 2 + 2, other.Streams);
        var edited = Assert.Single(other.Problems);
        Assert.Equal((ChainProblemKind.Edited, tampered), (edited.Kind, edited.StreamId));

        var whole = await ChainVerifier.VerifyAsync(services.EventStore, null, default);
        Assert.Contains(whole.Problems, p => p.Kind == ChainProblemKind.Edited && p.StreamId == tampered);
        Assert.Equal(own.Streams + other.Streams, whole.Streams);
        Assert.Equal(own.Events + other.Events, whole.Events);
    }
}
