using CaiEvents.Domain;

namespace CaiEvents.UnitTests;

public class InputExceptionTests
{
    [Fact]
    public void Formats_file_line_and_problem()
    {
        var ex = new InputException("a.jsonl", 3, "bad thing");
        Assert.Equal("a.jsonl:3: bad thing", ex.Message);
        Assert.Equal("a.jsonl", ex.Source);
        Assert.Equal(3, ex.Line);
        Assert.Equal("bad thing", ex.Problem);
    }

    [Fact]
    public void Without_a_line_has_no_line_number()
    {
        Assert.Equal("a.jsonl: file not found", new InputException("a.jsonl", null, "file not found").Message);
    }

    [Fact]
    public void Message_is_always_one_line()
    {
        var ex = new InputException("a\nb.yaml", 2, "first\r\nsecond\u2028third");
        Assert.Equal("a b.yaml:2: first  second third", ex.Message);
    }
}
