using CaiEvents.Contracts;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore.Datasets;
using CaiEvents.Models;
using CaiEvents.UnitTests.Models;
using CaiEvents.Workers.PPOLearner;
using CaiEvents.Workers.SftTrainer;

namespace CaiEvents.UnitTests.Training;

/// <summary>
/// SL-CAI examples and PPO rollout prompts of an instruct policy are in its chat format; a base policy's stay the paper's text.
/// Expected texts are ChatML written out by hand from the format's definition (turns of <c>&lt;|im_start|&gt;ROLE\n…&lt;|im_end|&gt;\n</c>).
/// </summary>
public sealed class ChatFormatTrainingTests
{
    private const string ChatMlResponsePrompt = "<|im_start|>user\nHow do I boil an egg?<|im_end|>\n<|im_start|>assistant\n";

    private static readonly SlExample Example = new(Guid.Empty, 1, "How do I boil an egg?", "Put it in boiling water for eight minutes.");

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen3")]
    public void An_instruct_policys_sft_example_is_its_chat_rendering_with_the_loss_on_the_assistant_turn_only(string architecture)
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.Path, architecture, "tiny", seed: 1, chatTemplate: "chatml");
        using var policy = (LocalTextModel)ModelCatalog.Load(ModelIds.Hf(dir.Path), ModelOptions.Cpu);
        var tokenizer = policy.Tokenizer;

        var sequence = SftJob.Sequence(tokenizer, Example, 512, policy.ChatTemplate);

        int[] prompt = tokenizer.BeginOfTextId is { } bos ? [bos, .. tokenizer.Encode(ChatMlResponsePrompt)] : tokenizer.Encode(ChatMlResponsePrompt);
        var imEnd = Assert.Single(tokenizer.Encode("<|im_end|>"));
        int[] completion = [.. tokenizer.Encode("Put it in boiling water for eight minutes."), imEnd];
        Assert.Equal([.. prompt, .. completion], sequence.Tokens);
        Assert.Equal([.. prompt.Select(_ => false), .. completion.Select(_ => true)], sequence.IsTarget);
        Assert.Equal(imEnd, sequence.Tokens[^1]);
        Assert.Contains(imEnd, tokenizer.StopIds); // the turn the policy learns to close is where its rollouts stop
    }

    [Fact]
    public void A_base_policys_sft_example_stays_the_papers_text_ending_with_end_of_text()
    {
        var tokenizer = Gpt2Tokenizer.ByteLevel();

        var sequence = SftJob.Sequence(tokenizer, Example, 512);

        var prompt = tokenizer.Encode("Human: How do I boil an egg?\n\nAssistant:");
        int[] completion = [.. tokenizer.Encode(" Put it in boiling water for eight minutes."), tokenizer.EndOfTextId];
        Assert.Equal([.. prompt, .. completion], sequence.Tokens);
        Assert.Equal([.. prompt.Select(_ => false), .. completion.Select(_ => true)], sequence.IsTarget);
        Assert.Equal(sequence.Tokens, SftJob.Sequence(tokenizer, Example, 512, chatTemplate: null).Tokens);
    }

    [Fact]
    public void A_truncated_chat_example_keeps_its_assistant_turn()
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.Path, "qwen2", "tiny", seed: 1, chatTemplate: "chatml");
        using var policy = (LocalTextModel)ModelCatalog.Load(ModelIds.Hf(dir.Path), ModelOptions.Cpu);
        var full = SftJob.Sequence(policy.Tokenizer, Example, 512, policy.ChatTemplate);
        var targets = full.IsTarget.Count(t => t);

        var cut = SftJob.Sequence(policy.Tokenizer, Example, targets + 2, policy.ChatTemplate);

        Assert.Equal(full.Tokens[^(targets + 2)..], cut.Tokens);
        Assert.Equal(targets, cut.IsTarget.Count(t => t));
    }

    [Fact]
    public void Ppo_rollouts_of_an_instruct_policy_are_prompted_in_its_chat_format_and_stop_at_its_end_of_turn()
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.Path, "llama", "tiny", seed: 1, chatTemplate: "chatml");
        using var policy = (LocalTextModel)ModelCatalog.Load(ModelIds.Hf(dir.Path), ModelOptions.Cpu);
        var hp = PpoCommandRequest.Parse(2, 7, new Dictionary<string, string>());

        var rollout = PpoJob.Rollout(3, "How do I boil an egg?", 99, policy.ChatTemplate);
        var sampling = PpoJob.Sampling(hp, policy.ChatTemplate);

        Assert.Equal(new RolloutPrompt(3, "How do I boil an egg?", ChatMlResponsePrompt, 99), rollout);
        Assert.Equal([.. PromptFormat.StopSequences, "<|im_end|>"], sampling.StopSequences);
        Assert.Equal(hp.MaxNewTokens, sampling.MaxNewTokens);
    }

    [Fact]
    public void Ppo_rollouts_of_a_base_policy_keep_the_papers_prompt_and_stops()
    {
        var hp = PpoCommandRequest.Parse(2, 7, new Dictionary<string, string>());

        Assert.Equal("Human: How do I boil an egg?\n\nAssistant:", PpoJob.Rollout(0, "How do I boil an egg?", 1, null).RenderedPrompt);
        Assert.Equal(PromptFormat.StopSequences, PpoJob.Sampling(hp).StopSequences);
    }
}
