using System.Security.Cryptography;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Models.Chat;
using CaiEvents.Models.Gguf;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// Every inference role on <c>gguf:</c> (llama.cpp in-process) over RabbitMQ: an SL run with one revision round and its
/// RL labelling stage (<c>run --pairs</c>) on the f32 GGUF of a tiny ChatML Llama checkpoint complete, and the provenance of
/// every model step names the file and its sha256.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class GgufPipelineTests
{
    [Fact]
    public async Task A_run_with_gguf_for_every_inference_role_completes_and_provenance_names_the_files_sha256()
    {
        var dir = Directory.CreateTempSubdirectory("cai-gguf-pipeline-").FullName;
        try
        {
            RandomCheckpoints.Write(Path.Combine(dir, "hf"), "llama", "tiny", seed: 17, "chatml");
            var file = Path.Combine(dir, "tiny-f32.gguf");
            HfToGgufConverter.Convert(Path.Combine(dir, "hf"), file, GgufFileType.F32);
            string sha256;
            await using (var stream = File.OpenRead(file)) sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
            var model = LlamaCppTextModel.Scheme + file;

            await using var services = await TestServices.StartAsync();
            using var workers = await Harness.StartHostAsync(services,
                [WorkerRoles.Generator, WorkerRoles.Critic, WorkerRoles.Reviser, WorkerRoles.Labeller], TransportKind.RabbitMq, null,
                ("Models:LlamaCpp:Threads", "1"));
            using var submitter = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
            var feedback = Harness.TinyFeedback() with { PolicyModel = model, FeedbackModel = model };
            var request = Harness.Request(Harness.Prompts(2), revisions: 1) with
            {
                GeneratorModel = model, CriticModel = model, ReviserModel = model, Feedback = feedback,
            };

            var runId = await Harness.SubmitAsync(submitter, request);
            var run = await Harness.WaitAsync(submitter, runId);
            Assert.Equal(0, run.Failed);

            var template = "chatml@" + ChatTemplates.ByName("chatml").Sha256[..16];
            var store = submitter.Services.GetRequiredService<IDocumentStore>();
            await using var session = store.QuerySession();
            var provenances = new List<Provenance>();
            var samples = await RunQueries.SamplesAsync(session, runId, default);
            Assert.Equal(2, samples.Count);
            foreach (var sample in samples)
            {
                var events = (await Harness.StreamAsync(store, sample.Id)).Select(e => e.Data).ToList();
                provenances.Add(events.OfType<ResponseGenerated>().Single().Provenance);
                provenances.Add(events.OfType<CritiqueProduced>().Single().Provenance);
                provenances.Add(events.OfType<RevisionProduced>().Single().Provenance);
                Assert.Single(events.OfType<SlExampleFinalized>());
            }
            var comparisons = await RunQueries.ComparisonsAsync(session, runId, default);
            Assert.Equal(2, comparisons.Count);
            foreach (var comparison in comparisons)
            {
                var events = (await Harness.StreamAsync(store, comparison.Id)).Select(e => e.Data).ToList();
                provenances.Add(events.OfType<ResponsePairGenerated>().Single().Provenance);
                var label = events.OfType<PreferenceLabelled>().Single();
                provenances.Add(label.Provenance);
                Assert.Equal(4, label.Judgements.Count);
                Assert.All(label.Judgements, j => Assert.InRange(j.ProbabilityA, 0.0, 1.0));
                Assert.All(label.Judgements, j => Assert.EndsWith("<|im_end|>\n<|im_start|>assistant\nThe answer is:", j.RenderedPrompt));
            }

            Assert.Equal(10, provenances.Count);
            Assert.All(provenances, p =>
            {
                Assert.Equal(model, p.ModelId);
                Assert.Equal(sha256, p.CheckpointHash);
                Assert.Equal(template, p.ChatTemplate); // the template carried in the GGUF file
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
