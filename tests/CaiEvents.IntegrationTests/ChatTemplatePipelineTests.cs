using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;
using CaiEvents.Hosting;
using CaiEvents.Models.Chat;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// The roles' chat path end to end: an SL run and its labelling stage on <c>builtin:echo?chat-template=chatml</c> (an instruct
/// model stand-in) store ChatML prompts and name the template in provenance, which `cai audit sample` shows.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class ChatTemplatePipelineTests
{
    private const string ChatModel = "builtin:echo?chat-template=chatml";

    [Fact]
    public async Task An_instruct_model_gets_its_prompts_in_ChatML_and_provenance_names_the_template()
    {
        await using var services = await TestServices.StartAsync();
        using var workers = await Harness.StartHostAsync(services,
            [WorkerRoles.Generator, WorkerRoles.Critic, WorkerRoles.Reviser, WorkerRoles.Labeller], TransportKind.RabbitMq);
        using var submitter = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
        var feedback = Harness.TinyFeedback() with { PolicyModel = ChatModel, FeedbackModel = ChatModel };
        var request = Harness.Request(Harness.Prompts(3), revisions: 1) with
        {
            GeneratorModel = ChatModel, CriticModel = ChatModel, ReviserModel = ChatModel, Feedback = feedback,
        };

        var runId = await Harness.SubmitAsync(submitter, request);
        var run = await Harness.WaitAsync(submitter, runId);
        Assert.Equal(0, run.Failed);

        var template = "chatml@" + ChatTemplates.ByName("chatml").Sha256[..16];
        var store = submitter.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var samples = await RunQueries.SamplesAsync(session, runId, default);
        Assert.Equal(3, samples.Count);
        foreach (var sample in samples)
        {
            var events = (await Harness.StreamAsync(store, sample.Id)).Select(e => e.Data).ToList();
            var prompt = events.OfType<PromptSubmitted>().Single().Prompt;
            var response = events.OfType<ResponseGenerated>().Single();
            var critique = events.OfType<CritiqueProduced>().Single();
            var revision = events.OfType<RevisionProduced>().Single();
            // ChatML written out by hand: <|im_start|>ROLE\nCONTENT<|im_end|>\n per turn, then the assistant's generation prompt.
            Assert.Equal($"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n", response.RenderedPrompt);
            Assert.Equal($"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n{response.Response}<|im_end|>\n"
                + $"<|im_start|>user\n{critique.CritiqueRequest}<|im_end|>\n<|im_start|>assistant\n", critique.RenderedPrompt);
            Assert.EndsWith($"<|im_start|>assistant\n{critique.Critique}<|im_end|>\n<|im_start|>user\n{revision.RevisionRequest}<|im_end|>\n"
                + "<|im_start|>assistant\n", revision.RenderedPrompt);
            foreach (var provenance in new[] { response.Provenance, critique.Provenance, revision.Provenance })
            {
                Assert.Equal(template, provenance.ChatTemplate);
                Assert.Equal("sl-v1+chat", provenance.PromptTemplateVersion);
                Assert.Contains("<|im_end|>", provenance.Sampling!.StopSequences!);
            }
        }

        // `cai audit sample` shows the template and the rendered chat prompts.
        var audit = await CliProcess.RunAsync(services.ProcessEnvironment(), TimeSpan.FromSeconds(60), "audit", "sample", samples[0].Id.ToString());
        Assert.True(audit.ExitCode == 0, audit.Stderr);
        Assert.Contains("chat template", audit.Stdout);
        Assert.Contains(template, audit.Stdout);
        Assert.Contains($"prompt ({template})", audit.Stdout);
        Assert.Contains("<|im_start|>assistant", audit.Stdout);

        var comparisons = await RunQueries.ComparisonsAsync(session, runId, default);
        Assert.Equal(3, comparisons.Count);
        foreach (var comparison in comparisons)
        {
            var events = (await Harness.StreamAsync(store, comparison.Id)).Select(e => e.Data).ToList();
            var submitted = events.OfType<ComparisonSubmitted>().Single();
            var pair = events.OfType<ResponsePairGenerated>().Single();
            var label = events.OfType<PreferenceLabelled>().Single();
            Assert.Equal($"<|im_start|>user\n{submitted.Prompt}<|im_end|>\n<|im_start|>assistant\n", pair.RenderedPrompt);
            Assert.Equal(template, pair.Provenance.ChatTemplate);
            Assert.Equal(template, label.Provenance.ChatTemplate);
            Assert.Equal("feedback-v1+chat", label.FeedbackTemplateVersion);
            Assert.All(label.Judgements, j =>
            {
                Assert.StartsWith("<|im_start|>user\nConsider the following conversation between a human and an assistant:", j.RenderedPrompt);
                Assert.EndsWith("<|im_end|>\n<|im_start|>assistant\nThe answer is:", j.RenderedPrompt);
            });
        }
    }
}
