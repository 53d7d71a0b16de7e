using CaiEvents.Contracts;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Generator;

namespace CaiEvents.UnitTests.Rl;

/// <summary>The pair step's batched path gives every pair the responses and seeds it gets alone.</summary>
public class ResponsePairGenerationTests
{
    private static readonly SamplingParameters Sampling = new(Temperature: 1.0, TopP: 0.95, TopK: 20, MaxNewTokens: 12);

    [Fact]
    public async Task A_batch_of_pairs_in_one_model_call_gives_each_pair_the_texts_and_seeds_it_gets_alone()
    {
        using var model = ModelCatalog.Load("builtin:tiny", ModelOptions.Cpu);
        const long runSeed = 20251122;
        var pairs = Enumerable.Range(0, 5)
            .Select(i => new PairInput(runSeed, Guid.NewGuid(), Seeds.ComparisonKey(i), PromptFormat.RenderResponsePrompt(i % 2 == 0 ? $"Question {i}: how do I fix a bike?" : $"Q{i}?")))
            .ToList();

        var batched = await ResponsePairGeneration.GenerateManyAsync(model, pairs, Sampling, default);

        Assert.Equal(pairs.Count, batched.Count);
        for (var i = 0; i < pairs.Count; i++)
        {
            var alone = await ResponsePairGeneration.GenerateAsync(model, pairs[i], Sampling, default);
            Assert.Equal(alone, batched[i]);
            // The same seeds and parameters as any single step (StepGeneration.Request), derived per response.
            Assert.Equal(Seeds.Derive(runSeed, Seeds.ComparisonKey(i), ComparisonSteps.ResponseSeed('A')), batched[i].A.Seed);
            Assert.Equal(Seeds.Derive(runSeed, Seeds.ComparisonKey(i), ComparisonSteps.ResponseSeed('B')), batched[i].B.Seed);
            Assert.Equal(PromptFormat.StopSequences, batched[i].A.Sampling.StopSequences);
            Assert.Equal(model.Identity, batched[i].A.Model);
        }
        Assert.Contains(batched, p => p.A.Text != p.B.Text);
    }

    [Fact]
    public void A_pairs_requests_are_built_by_the_shared_step_request_builder()
    {
        var pair = new PairInput(7, Guid.NewGuid(), Seeds.ComparisonKey(3), "prompt");
        var requests = ResponsePairGeneration.Requests(pair, Sampling);
        Assert.Equal([StepGeneration.Request(7, pair.SeedKey, "pair:A", "prompt", Sampling), StepGeneration.Request(7, pair.SeedKey, "pair:B", "prompt", Sampling)],
            requests);
    }
}
