using System.Diagnostics;
using CaiEvents.Contracts;
using CaiEvents.Models;

namespace CaiEvents.UnitTests.Models;

public sealed class EchoModelTests
{
    private static readonly ModelOptions Options = new();

    [Fact]
    public async Task Generation_is_deterministic_per_request_and_differs_between_requests()
    {
        using var model = ModelCatalog.Load("builtin:echo", Options);
        var a = new GenerationRequest("prompt one", new SamplingParameters(), 1);
        var b = a with { Seed = 2 };
        var first = await model.GenerateAsync([a, b]);
        var again = await model.GenerateAsync([a]);
        Assert.Equal(first[0].Text, again[0].Text);
        Assert.NotEqual(first[0].Text, first[1].Text);
        Assert.StartsWith("echo ", first[0].Text);
    }

    [Fact]
    public async Task Scores_are_log_probabilities_that_depend_on_the_continuation()
    {
        using var model = ModelCatalog.Load("builtin:echo", Options);
        var scores = await model.ScoreAsync("q", [" (A)", " (B)"]);
        Assert.All(scores, s => Assert.InRange(s.TotalLogProb, -8.0, 0.0));
        Assert.NotEqual(scores[0].TotalLogProb, scores[1].TotalLogProb);
        Assert.Equal(scores[0].TotalLogProb, (await model.ScoreAsync("q", [" (A)"]))[0].TotalLogProb);
    }

    [Fact]
    public async Task Latency_parameter_delays_each_call()
    {
        using var model = ModelCatalog.Load("builtin:echo?latency-ms=60", Options);
        var watch = Stopwatch.StartNew();
        await model.GenerateAsync([new GenerationRequest("p", new SamplingParameters(), 1)]);
        // A lower bound only: the delay must happen; how long beyond it is not asserted.
        Assert.True(watch.ElapsedMilliseconds >= 55, $"took {watch.ElapsedMilliseconds} ms");
        Assert.NotEqual(ModelCatalog.Load("builtin:echo", Options).Identity.CheckpointHash, model.Identity.CheckpointHash);
    }

    [Fact]
    public void A_chat_template_parameter_makes_it_an_instruct_model_of_that_family()
    {
        using var plain = ModelCatalog.Load("builtin:echo", Options);
        Assert.Null(plain.ChatTemplate);
        using var chat = ModelCatalog.Load("builtin:echo?chat-template=chatml", Options);
        Assert.Equal("chatml", chat.ChatTemplate?.Family);
        Assert.Equal(CaiEvents.Models.Chat.ChatTemplates.TemplateText("chatml"), chat.ChatTemplate?.Text);
        Assert.NotEqual(plain.Identity.CheckpointHash, chat.Identity.CheckpointHash);
        using var both = ModelCatalog.Load("builtin:echo?latency-ms=1&chat-template=gemma", Options);
        Assert.Equal("gemma", both.ChatTemplate?.Family);
    }

    [Theory]
    [InlineData("builtin:echo?chat-template=vicuna")]
    [InlineData("builtin:echo?chat-template=")]
    [InlineData("builtin:echo?chat-template=chatml&chat-template=gemma")]
    [InlineData("builtin:echo?colour=blue")]
    [InlineData("builtin:echo?")]
    [InlineData("builtin:echo?latency-ms=")]
    [InlineData("builtin:echo?latency-ms=-5")]
    [InlineData("builtin:echo?latency-ms=999999")]
    [InlineData("builtin:echoes")]
    public void Malformed_ids_are_rejected(string id) =>
        Assert.Throws<ArgumentException>(() => ModelCatalog.Load(id, Options));
}
