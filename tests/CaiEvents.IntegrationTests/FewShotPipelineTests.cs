using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore;
using CaiEvents.EventStore.Audit;
using CaiEvents.Hosting;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.IntegrationTests;

/// <summary>
/// Issue 17's done-when: a run with a constitution in the released JSON shapes plus few-shot files (the shipped
/// constitutions/released-shapes) completes its SL stage and its --pairs stage, and the audit shows the few-shot examples used.
/// </summary>
[Collection(nameof(IntegrationCollection))]
public class FewShotPipelineTests
{
    private static string ReleasedShapes()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CaiEvents.sln"))) return Path.Combine(dir.FullName, "constitutions", "released-shapes");
        }

        throw new InvalidOperationException("Could not find CaiEvents.sln above " + AppContext.BaseDirectory);
    }

    [Fact]
    public async Task A_run_with_a_json_constitution_directory_completes_and_its_audit_names_the_few_shot_examples_of_every_step()
    {
        var directory = ReleasedShapes();
        var constitution = ConstitutionLoader.Load(directory);
        Assert.NotEmpty(constitution.CritiqueRevisionExamples);
        Assert.NotEmpty(constitution.FeedbackExamples);
        var hashes = constitution.CritiqueRevisionExamples.ToDictionary(e => e.Id, e => e.ContentHash);
        foreach (var e in constitution.FeedbackExamples) hashes.Add(e.Id, e.ContentHash);

        await using var services = await TestServices.StartAsync();
        using var workers = await Harness.StartHostAsync(services, WorkerRoles.Runnable, TransportKind.RabbitMq);
        using var submitter = await Harness.StartHostAsync(services, [], TransportKind.RabbitMq);
        var request = Harness.Request(Harness.Prompts(3), revisions: 1) with
        {
            Constitution = constitution, ConstitutionSource = directory, Feedback = Harness.TinyFeedback(),
        };
        var runId = await Harness.SubmitAsync(submitter, request);
        var run = await Harness.WaitAsync(submitter, runId);

        Assert.Equal(6, run.Finalized); // three SL examples and three labelled comparisons
        Assert.Equal(0, run.Failed);
        // The snapshot workers parse is the converted text, and its hash is the one every step records.
        Assert.Equal(constitution.ContentHash, run.Constitution.ContentHash);
        Assert.Equal(constitution.SourceText, run.Constitution.Text);
        Assert.Equal(directory, run.Constitution.SourceName);

        var store = submitter.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var samples = await RunQueries.SamplesAsync(session, runId, default);
        Assert.Equal(3, samples.Count);
        foreach (var sample in samples)
        {
            var events = (await Harness.StreamAsync(store, sample.Id)).Select(e => e.Data).ToList();
            var critique = Assert.Single(events.OfType<CritiqueProduced>());
            var revision = Assert.Single(events.OfType<RevisionProduced>());
            Assert.Equal(FewShotDraw.PerPrompt, critique.FewShot!.Count);
            // The revision continues the critique's context: the same examples, recorded with their content hashes.
            Assert.Equal(critique.FewShot, revision.FewShot);
            Assert.All(critique.FewShot, u => Assert.Equal(hashes[u.Id], u.ContentHash));
            var first = constitution.CritiqueRevisionExamples.Single(e => e.Id == critique.FewShot[0].Id);
            Assert.StartsWith("Human: " + first.Prompt, critique.RenderedPrompt, StringComparison.Ordinal);
            Assert.Equal(constitution.ContentHash, critique.Provenance.ConstitutionHash);
            AssertAuditShows(critique, critique.FewShot);
            AssertAuditShows(revision, revision.FewShot!);
        }

        var comparisons = await RunQueries.ComparisonsAsync(session, runId, default);
        Assert.Equal(3, comparisons.Count);
        foreach (var comparison in comparisons)
        {
            var label = Assert.Single((await Harness.StreamAsync(store, comparison.Id)).Select(e => e.Data).OfType<PreferenceLabelled>());
            Assert.Equal(FewShotDraw.PerPrompt, label.FewShot!.Count);
            Assert.All(label.FewShot, u => Assert.Equal(hashes[u.Id], u.ContentHash));
            Assert.All(label.Judgements, j => Assert.Contains(constitution.FindComparison(j.PrincipleId)!.Question, j.RenderedPrompt, StringComparison.Ordinal));
            var shown = constitution.FeedbackExamples.Single(e => e.Id == label.FewShot[0].Id);
            Assert.All(label.Judgements, j => Assert.StartsWith(
                "Consider the following conversation between a human and an assistant:\n\nHuman: " + shown.Prompt + "\n\n", j.RenderedPrompt,
                StringComparison.Ordinal));
            AssertAuditShows(label, label.FewShot);
        }
    }

    /// <summary>`cai audit` and the dashboard render events through <see cref="EventDescriptions"/>: the few-shot line names each example.</summary>
    private static void AssertAuditShows(object data, IReadOnlyList<FewShotUse> uses)
    {
        var field = Assert.Single(EventDescriptions.Describe(data).Fields, f => f.Name == "few-shot");
        Assert.All(uses, u => Assert.Contains($"{u.Id} (sha256:{u.ContentHash[..12]})", field.Value, StringComparison.Ordinal));
    }
}
