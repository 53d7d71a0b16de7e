using CaiEvents.Contracts;
using CaiEvents.Domain.Rl;
using CaiEvents.Models;
using CaiEvents.Models.Chat;
using CaiEvents.Workers.Common;

namespace CaiEvents.Workers.Generator;

/// <summary>The pair step's model work, shared by the single and the batched path.</summary>
public static class ResponsePairGeneration
{
    /// <summary>
    /// The pair's two requests, A then B: same prompt and sampling, seeds derived per response (<see cref="ComparisonSteps.ResponseSeed"/>);
    /// a policy with a chat template also stops at its end of turn (<see cref="RolePrompts.StopSequences"/>).
    /// </summary>
    public static IReadOnlyList<GenerationRequest> Requests(PairInput pair, SamplingParameters sampling, ChatTemplate? chatTemplate = null) =>
    [
        StepGeneration.Request(pair.RunSeed, pair.SeedKey, ComparisonSteps.ResponseSeed('A'), pair.Prompt, sampling, RolePrompts.StopSequences(chatTemplate)),
        StepGeneration.Request(pair.RunSeed, pair.SeedKey, ComparisonSteps.ResponseSeed('B'), pair.Prompt, sampling, RolePrompts.StopSequences(chatTemplate)),
    ];

    /// <summary>One pair on its own: response A, then response B, one model call each.</summary>
    public static async Task<GeneratedPair> GenerateAsync(ITextModel model, PairInput pair, SamplingParameters sampling, CancellationToken ct)
    {
        var requests = Requests(pair, sampling, model.ChatTemplate);
        var a = (await model.GenerateAsync([requests[0]], ct))[0];
        var b = (await model.GenerateAsync([requests[1]], ct))[0];
        return new GeneratedPair(StepGeneration.From(requests[0], a, model.Identity, model.ChatTemplate),
            StepGeneration.From(requests[1], b, model.Identity, model.ChatTemplate));
    }

    /// <summary>Many pairs in one model call (2 requests per pair); each pair's texts are those it gets alone.</summary>
    public static async Task<IReadOnlyList<GeneratedPair>> GenerateManyAsync(ITextModel model, IReadOnlyList<PairInput> pairs, SamplingParameters sampling,
        CancellationToken ct)
    {
        var requests = pairs.SelectMany(p => Requests(p, sampling, model.ChatTemplate)).ToList();
        var results = await model.GenerateAsync(requests, ct);
        if (results.Count != requests.Count)
            throw new InvalidOperationException($"{model.Identity.ModelId} returned {results.Count} generations for {requests.Count} requests");
        return pairs.Select((_, i) => new GeneratedPair(
            StepGeneration.From(requests[2 * i], results[2 * i], model.Identity, model.ChatTemplate),
            StepGeneration.From(requests[2 * i + 1], results[2 * i + 1], model.Identity, model.ChatTemplate))).ToList();
    }
}
