using CaiEvents.Contracts;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.Models.Chat;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Labeller;

namespace CaiEvents.UnitTests.Chat;

public sealed class RolePromptsTests
{
    private static readonly ChatTemplate ChatMl = ChatTemplates.ByName("chatml");
    private static readonly IReadOnlyList<CompletedRound> Earlier = [new("cr1", "c1", "rr1", "r1")];

    [Fact]
    public void Base_models_keep_the_papers_text_exactly()
    {
        Assert.Equal("Human: P\n\nAssistant:", RolePrompts.Response(null, "P"));
        Assert.Equal(PromptFormat.RenderCritiquePrompt("P", "R0", Earlier, "cr2"), RolePrompts.Critique(null, "P", "R0", Earlier, "cr2"));
        Assert.Equal(PromptFormat.RenderRevisionPrompt("P", "R0", Earlier, "cr2", "c2", "rr2"),
            RolePrompts.Revision(null, "P", "R0", Earlier, "cr2", "c2", "rr2"));
        Assert.Equal(FeedbackPrompt.Render("Q", "Which?", "a", "b"), RolePrompts.Feedback(null, "Q", "Which?", "a", "b"));
        Assert.Equal(FeedbackPrompt.RenderReasoning("Q", "Which?", "a", "b"), RolePrompts.FeedbackReasoning(null, "Q", "Which?", "a", "b"));
        Assert.Same(PromptFormat.StopSequences, RolePrompts.StopSequences(null));
        Assert.Equal("an answer", RolePrompts.Cut(null, " an answer\nHuman: more"));
    }

    [Fact]
    public void Chat_models_get_their_roles_turns_in_the_template_with_the_generation_prompt()
    {
        // ChatML written out by hand from the format's public description.
        Assert.Equal("<|im_start|>user\nP<|im_end|>\n<|im_start|>assistant\n", RolePrompts.Response(ChatMl, "P"));
        Assert.Equal(
            "<|im_start|>user\nP<|im_end|>\n<|im_start|>assistant\nR0<|im_end|>\n<|im_start|>user\ncr2<|im_end|>\n"
            + "<|im_start|>assistant\nc2<|im_end|>\n<|im_start|>user\nrr2<|im_end|>\n<|im_start|>assistant\n",
            RolePrompts.Revision(ChatMl, "P", "R0", [], "cr2", "c2", "rr2"));
    }

    [Fact]
    public void The_feedback_answer_lead_is_an_assistant_prefill_after_the_generation_prompt()
    {
        const string Question = "<|im_start|>user\nConsider the following conversation between a human and an assistant:\n\nHuman: Q\n\n"
            + "Which?\nOptions:\n(A) a\n(B) b<|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal(Question + "The answer is:", RolePrompts.Feedback(ChatMl, "Q", "Which?", "a", "b"));
        var reasoningPrompt = RolePrompts.FeedbackReasoning(ChatMl, "Q", "Which?", "a", "b");
        Assert.Equal(Question + "Let's think step by step:", reasoningPrompt);
        Assert.Equal(Question + "Let's think step by step: because.\nThe answer is:", FeedbackPrompt.RenderAfterReasoning(reasoningPrompt, " because. "));
    }

    [Fact]
    public void Chat_generation_also_stops_and_is_cut_at_the_end_of_turn()
    {
        Assert.Equal([.. PromptFormat.StopSequences, "<|im_end|>"], RolePrompts.StopSequences(ChatMl));
        Assert.Equal(["\nThe answer is", "<|im_end|>"], RolePrompts.StopSequences(ChatMl, ["\nThe answer is"]));
        Assert.Equal("Sure.", RolePrompts.Cut(ChatMl, " Sure.<|im_end|>\n<|im_start|>user\nmore"));
        Assert.Equal("Safer text.", RolePrompts.CleanRevision(ChatMl, "Revision: Safer text.<|im_end|>ignored"));
    }

    [Fact]
    public async Task The_labeller_asks_a_chat_model_in_its_template_and_scores_after_the_prefill()
    {
        using var model = ModelCatalog.Load("builtin:echo?chat-template=llama3", new ModelOptions());
        var principle = ConstitutionLoader.LoadDefault().Comparison[0];
        var label = await PreferenceLabeler.LabelAsync(model, "Q", "a", "b", [principle], LabelMode.Soft, 0.4, 0.6, null, default);
        Assert.All(label.Judgements, j =>
        {
            Assert.StartsWith("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nConsider the following conversation", j.RenderedPrompt);
            Assert.EndsWith("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nThe answer is:", j.RenderedPrompt);
        });
    }
}
