using CaiEvents.Domain.Rl;

namespace CaiEvents.UnitTests.Rl;

public class PromptSamplerTests
{
    [Fact]
    public void Each_pass_over_the_prompt_set_visits_every_prompt_once_and_the_draw_is_a_function_of_the_step()
    {
        // 10 prompts, 4 per step: steps 0..4 draw 20 prompts = two full passes.
        var drawn = Enumerable.Range(0, 5).SelectMany(s => PromptSampler.Indices(10, 4, 3, s)).ToList();
        Assert.Equal(Enumerable.Range(0, 10), drawn.Take(10).Order());
        Assert.Equal(Enumerable.Range(0, 10), drawn.Skip(10).Order());
        Assert.NotEqual(drawn.Take(10), drawn.Skip(10)); // a fresh permutation per pass
        Assert.Equal(drawn.Skip(8).Take(4), PromptSampler.Indices(10, 4, 3, 2)); // resuming at step 2 draws the same
        Assert.NotEqual(drawn.Take(10), Enumerable.Range(0, 3).SelectMany(s => PromptSampler.Indices(10, 4, 4, s)).Take(10));
        Assert.Equal(8, PromptSampler.Position(2, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => PromptSampler.Indices(0, 4, 3, 0));
    }
}
