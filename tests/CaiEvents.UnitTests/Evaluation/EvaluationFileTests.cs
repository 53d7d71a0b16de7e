using CaiEvents.Domain;
using CaiEvents.Domain.Evaluation;

namespace CaiEvents.UnitTests.Evaluation;

public class EvaluationFileTests
{
    [Fact]
    public void Released_choice_shape_loads_from_a_json_list_with_lines()
    {
        var items = ChoiceItemFile.LoadFile(TestPaths.Fixture("evaluation/hhh-choices.json"));
        Assert.Equal(4, items.Count);
        Assert.Equal([2, 7, 12, 17], items.Select(i => i.Line));
        Assert.Equal([" (A)"], items[0].Corrects);
        Assert.Equal([" (A)"], items[1].Incorrects);
        Assert.True(items[2].IsTextPair);
        Assert.StartsWith("Hand it to", items[3].TextCorrect);
        Assert.NotNull(ChoiceOptions.SwapOptions(items[0].Prompt));
    }

    [Fact]
    public void Choice_items_load_from_json_lines_and_errors_name_file_line_and_field()
    {
        var path = TestPaths.Fixture("evaluation/bad-choices.jsonl");
        var e = Assert.Throws<InputException>(() => ChoiceItemFile.LoadFile(path));
        Assert.Equal($"{path}:3: 'incorrects' is required and must be a non-empty list of strings", e.Message);
        var ok = ChoiceItemFile.Parse("{\"prompt\": \"p\", \"corrects\": [\" x\"], \"incorrects\": [\" y\", \" z\"]}\n"u8.ToArray(), "f.jsonl");
        Assert.Equal([" y", " z"], Assert.Single(ok).Incorrects);
        Assert.Equal("f.json:3: unknown key 'answer' (allowed: prompt, corrects, incorrects, text_correct, text_incorrect, id)",
            Assert.Throws<InputException>(() => ChoiceItemFile.Parse(
                "[\n{\"prompt\": \"p\", \"text_correct\": \"a\", \"text_incorrect\": \"b\"},\n{\"answer\": 1}\n]"u8.ToArray(), "f.json")).Message);
        Assert.Equal("f.json:2: an item has either 'corrects' and 'incorrects' or 'text_correct' and 'text_incorrect'",
            Assert.Throws<InputException>(() => ChoiceItemFile.Parse("[\n{\"prompt\": \"p\"}]"u8.ToArray(), "f.json")).Message);
        Assert.StartsWith("f.json:2: invalid JSON",
            Assert.Throws<InputException>(() => ChoiceItemFile.Parse("[\n{\"prompt\": }]"u8.ToArray(), "f.json")).Message);
        Assert.Equal("f.json: no items found: the JSON list is empty",
            Assert.Throws<InputException>(() => ChoiceItemFile.Parse("[ ]"u8.ToArray(), "f.json")).Message);
    }

    [Fact]
    public void Human_comparisons_load_in_all_three_shapes_and_unusable_lines_are_set_apart()
    {
        var set = HumanComparisonFile.LoadFile(TestPaths.Fixture("evaluation/human-comparisons.jsonl"));
        Assert.Equal([1, 2, 4], set.Comparisons.Select(c => c.Line));
        Assert.Equal("What's a quick way to cool down a hot drink?", set.Comparisons[1].Prompt);
        Assert.Equal("Put it in the freezer for a few hours.", set.Comparisons[1].Rejected);
        Assert.Equal("Yes, the moon blocks all the harmful light.", set.Comparisons[2].Rejected);
        var skipped = Assert.Single(set.Skipped);
        Assert.Equal(3, skipped.Line);
        Assert.Contains("'rejected' is empty", skipped.Reason);
        var hhh = HumanComparisonFile.LoadFile(TestPaths.Fixture("evaluation/hhh-choices.json"));
        Assert.Equal([12, 17], hhh.Comparisons.Select(c => c.Line));
        Assert.Equal([2, 7], hhh.Skipped.Select(s => s.Line));
        Assert.Equal("h.jsonl:1: 'chosen' is required and must be a non-empty string",
            Assert.Throws<InputException>(() => HumanComparisonFile.Parse("{\"prompt\": \"p\", \"rejected\": \"r\"}"u8.ToArray(), "h.jsonl")).Message);
    }
}
