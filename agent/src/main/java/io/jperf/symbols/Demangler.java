package io.jperf.symbols;

import java.util.ArrayList;
import java.util.List;

/**
 * Itanium C++ ABI names ({@code _ZN...}) made readable the way perf shows them: scopes and template arguments, no
 * parameter list, e.g. {@code _ZN9JavaCalls11call_helperEP9JavaValueRK12methodHandleP17JavaCallArgumentsP10JavaThread}
 * → {@code JavaCalls::call_helper}. Covers the grammar compilers emit for C++ code like HotSpot's (nested names,
 * templates, substitutions, operators, constructors, ABI tags, local names); a name it cannot read is returned
 * unchanged. The parameter list after the name is not read (on libjvm's 45 000 function names the result agrees with
 * c++filt -p as often either way). Compiler clones ({@code .cold}, {@code .isra.0}) are named after their function,
 * as c++filt -p does.
 */
public final class Demangler {
    private final String s;
    private int at;
    private final List<String> substitutions = new ArrayList<>();
    private final List<String> templateArgs = new ArrayList<>();

    private Demangler(String s) {
        this.s = s;
    }

    /** The readable name, or {@code mangled} itself when it is not an Itanium name or cannot be read. */
    public static String demangle(String mangled) {
        if (mangled == null || !mangled.startsWith("_Z")) {
            return mangled;
        }
        int dot = mangled.indexOf('.', 2);
        try {
            Demangler d = new Demangler(dot < 0 ? mangled : mangled.substring(0, dot));
            d.at = 2;
            // The parameter types are not shown, nor read: a profile demangles every native function its samples reach,
            // and reading the types was most of the work (and what made the JIT compile the demangler early).
            return d.encodingName();
        } catch (RuntimeException | StackOverflowError e) {
            // The parser recurses per nesting level: a name nested deeper than the thread's stack allows (a hostile
            // or generated symbol) stays as it is rather than ending the output being written.
            return mangled;
        }
    }

    private char peek() {
        return at < s.length() ? s.charAt(at) : '\0';
    }

    private char peek(int ahead) {
        return at + ahead < s.length() ? s.charAt(at + ahead) : '\0';
    }

    private boolean consume(char c) {
        if (peek() == c) {
            at++;
            return true;
        }
        return false;
    }

    private boolean consume(String prefix) {
        if (s.startsWith(prefix, at)) {
            at += prefix.length();
            return true;
        }
        return false;
    }

    private RuntimeException fail() {
        return new IllegalArgumentException("cannot demangle at " + at);
    }

    /** encoding ::= name bare-function-type | special-name; the parameter types are read and dropped. */
    private String encodingName() {
        if (peek() == 'T' || peek() == 'G' && peek(1) == 'V') {
            return specialName();
        }
        return name();
    }

    private String specialName() {
        if (consume("TV")) {
            return "vtable for " + type();
        }
        if (consume("TI")) {
            return "typeinfo for " + type();
        }
        if (consume("TS")) {
            return "typeinfo name for " + type();
        }
        if (consume("GV")) {
            return "guard variable for " + name();
        }
        if (consume("Th") || consume("Tv")) {
            while (peek() != '_' && peek() != '\0') {
                at++;
            }
            consume('_');
            return "non-virtual thunk to " + encodingName();
        }
        throw fail();
    }

    private String name() {
        char c = peek();
        if (c == 'N') {
            return nestedName();
        }
        if (c == 'Z') {
            return localName();
        }
        String prefix;
        if (consume("St")) {
            prefix = "std::" + unqualifiedName(null);
        } else if (c == 'S') {
            prefix = substitution();
            if (peek() != 'I') {
                return prefix;
            }
        } else {
            prefix = unqualifiedName(null);
        }
        if (peek() == 'I') {
            substitutions.add(prefix);
            prefix = prefix + templateArgs();
        }
        return prefix;
    }

    private String localName() {
        at++; // Z
        String function = encodingName();
        skipFunctionTypes();
        if (!consume('E')) {
            throw fail();
        }
        if (consume('s')) {
            discriminator();
            return function + "::string literal";
        }
        String entity = name();
        discriminator();
        return function + "::" + entity;
    }

    private void skipFunctionTypes() {
        while (peek() != 'E' && peek() != '\0') {
            type();
        }
    }

    private void discriminator() {
        if (consume('_')) {
            if (consume('_')) {
                number();
                consume('_');
            } else {
                number();
            }
        }
    }

    private String nestedName() {
        at++; // N
        while (peek() == 'r' || peek() == 'V' || peek() == 'K') {
            at++;
        }
        if (peek() == 'R' || peek() == 'O') {
            at++;
        }
        String prefix = null;
        while (!consume('E')) {
            String part;
            if (peek() == 'S' && peek(1) != 't') {
                part = substitution();
                prefix = part;
                continue;
            } else if (consume("St")) {
                part = "std";
                prefix = prefix == null ? part : prefix + "::" + part;
                continue;
            } else if (peek() == 'I') {
                if (prefix == null) {
                    throw fail();
                }
                prefix = prefix + templateArgs();
                substitutions.add(prefix);
                continue;
            } else if (peek() == 'T') {
                part = templateParam();
            } else if (consume("M")) {
                continue;
            } else {
                part = unqualifiedName(prefix);
            }
            prefix = prefix == null ? part : prefix + "::" + part;
            if (peek() != 'E') {
                substitutions.add(prefix);
            }
        }
        return prefix;
    }

    private String unqualifiedName(String enclosing) {
        char c = peek();
        String name;
        if (Character.isDigit(c)) {
            name = sourceName();
        } else if (c == 'C' && (Character.isDigit(peek(1)) || peek(1) == 'I')) {
            at++;
            consume('I');
            at++;
            name = lastComponent(enclosing);
        } else if (c == 'D' && Character.isDigit(peek(1))) {
            at += 2;
            name = "~" + lastComponent(enclosing);
        } else if (c == 'U' && peek(1) == 't') {
            at += 2;
            String n = Character.isDigit(peek()) ? String.valueOf(number() + 2) : "1";
            consume('_');
            name = "{unnamed type#" + n + "}";
        } else if (c == 'U' && peek(1) == 'l') {
            at += 2;
            skipFunctionTypes();
            consume('E');
            String n = Character.isDigit(peek()) ? String.valueOf(number() + 2) : "1";
            consume('_');
            name = "{lambda()#" + n + "}";
        } else if (c == 'L') {
            at++;
            name = sourceName();
            discriminator();
        } else {
            name = operatorName();
        }
        while (peek() == 'B') {
            at++;
            name = name + "[abi:" + sourceName() + "]";
        }
        return name;
    }

    private static String lastComponent(String enclosing) {
        if (enclosing == null) {
            return "";
        }
        String plain = enclosing;
        if (plain.endsWith(">")) {
            int depth = 0;
            for (int i = plain.length() - 1; i >= 0; i--) {
                char c = plain.charAt(i);
                if (c == '>') {
                    depth++;
                } else if (c == '<' && --depth == 0) {
                    plain = plain.substring(0, i);
                    break;
                }
            }
        }
        int colons = plain.lastIndexOf("::");
        return colons < 0 ? plain : plain.substring(colons + 2);
    }

    private String sourceName() {
        int length = number();
        if (length <= 0 || at + length > s.length()) {
            throw fail();
        }
        String id = s.substring(at, at + length);
        at += length;
        return id.startsWith("_GLOBAL__N") ? "(anonymous namespace)" : id;
    }

    private int number() {
        int start = at;
        consume('n');
        while (Character.isDigit(peek())) {
            at++;
        }
        if (start == at) {
            throw fail();
        }
        String digits = s.substring(start, at);
        return digits.startsWith("n") ? -Integer.parseInt(digits.substring(1)) : Integer.parseInt(digits);
    }

    private static final String[][] OPERATORS = {
        {"nw", " new"}, {"na", " new[]"}, {"dl", " delete"}, {"da", " delete[]"}, {"ps", "+"}, {"ng", "-"},
        {"ad", "&"}, {"de", "*"}, {"co", "~"}, {"pl", "+"}, {"mi", "-"}, {"ml", "*"}, {"dv", "/"}, {"rm", "%"},
        {"an", "&"}, {"or", "|"}, {"eo", "^"}, {"aS", "="}, {"pL", "+="}, {"mI", "-="}, {"mL", "*="},
        {"dV", "/="}, {"rM", "%="}, {"aN", "&="}, {"oR", "|="}, {"eO", "^="}, {"ls", "<<"}, {"rs", ">>"},
        {"lS", "<<="}, {"rS", ">>="}, {"eq", "=="}, {"ne", "!="}, {"lt", "<"}, {"gt", ">"}, {"le", "<="},
        {"ge", ">="}, {"ss", "<=>"}, {"nt", "!"}, {"aa", "&&"}, {"oo", "||"}, {"pp", "++"}, {"mm", "--"},
        {"cm", ","}, {"pm", "->*"}, {"pt", "->"}, {"cl", "()"}, {"ix", "[]"}, {"qu", "?"},
    };

    private String operatorName() {
        for (String[] op : OPERATORS) {
            if (consume(op[0])) {
                return "operator" + op[1];
            }
        }
        if (consume("cv")) {
            return "operator " + type();
        }
        if (consume("li")) {
            return "operator\"\" " + sourceName();
        }
        throw fail();
    }

    private String templateArgs() {
        at++; // I
        List<String> args = new ArrayList<>();
        while (!consume('E')) {
            args.add(templateArg());
        }
        templateArgs.clear();
        templateArgs.addAll(args);
        String joined = String.join(", ", args);
        return "<" + joined + (joined.endsWith(">") ? " >" : ">");
    }

    private String templateArg() {
        if (consume('L')) {
            return literal();
        }
        if (peek() == 'X') {
            throw fail(); // expressions as template arguments: not supported, the name stays mangled
        }
        if (consume('J')) {
            List<String> pack = new ArrayList<>();
            while (!consume('E')) {
                pack.add(templateArg());
            }
            return String.join(", ", pack);
        }
        return type();
    }

    private String literal() {
        if (consume("_Z")) {
            String name = encodingName();
            consume('E');
            return name;
        }
        String type = type();
        int start = at;
        while (peek() != 'E' && peek() != '\0') {
            at++;
        }
        String value = s.substring(start, at);
        consume('E');
        if (value.startsWith("n")) {
            value = "-" + value.substring(1);
        }
        switch (type) {
            case "bool":
                return value.equals("0") ? "false" : "true";
            case "int":
                return value;
            case "unsigned int":
                return value + "u";
            case "long":
                return value + "l";
            case "unsigned long":
                return value + "ul";
            default:
                return "(" + type + ")" + value;
        }
    }

    private String templateParam() {
        at++; // T
        int index = 0;
        if (!consume('_')) {
            index = number() + 1;
            if (!consume('_')) {
                throw fail();
            }
        }
        return index < templateArgs.size() ? templateArgs.get(index) : "T" + index;
    }

    private String substitution() {
        at++; // S
        char c = peek();
        String standard = null;
        switch (c) {
            case 'a':
                standard = "std::allocator";
                break;
            case 'b':
                standard = "std::basic_string";
                break;
            case 's':
                standard = "std::string";
                break;
            case 'i':
                standard = "std::istream";
                break;
            case 'o':
                standard = "std::ostream";
                break;
            case 'd':
                standard = "std::iostream";
                break;
            default:
                break;
        }
        if (standard != null) {
            at++;
            return standard;
        }
        int index = 0;
        if (!consume('_')) {
            int value = 0;
            while (peek() != '_') {
                char d = peek();
                at++;
                value = value * 36 + (Character.isDigit(d) ? d - '0' : d - 'A' + 10);
                if (at >= s.length()) {
                    throw fail();
                }
            }
            at++;
            index = value + 1;
        }
        if (index >= substitutions.size()) {
            throw fail();
        }
        return substitutions.get(index);
    }

    private String type() {
        char c = peek();
        String builtin = builtin(c);
        if (builtin != null) {
            at++;
            return builtin;
        }
        String result;
        switch (c) {
            case 'r':
            case 'V':
            case 'K': {
                StringBuilder quals = new StringBuilder();
                while (peek() == 'r' || peek() == 'V' || peek() == 'K') {
                    char q = peek();
                    at++;
                    quals.append(q == 'K' ? " const" : q == 'V' ? " volatile" : " restrict");
                }
                result = type() + quals;
                break;
            }
            case 'P':
                at++;
                result = type() + "*";
                break;
            case 'R':
                at++;
                result = type() + "&";
                break;
            case 'O':
                at++;
                result = type() + "&&";
                break;
            case 'F': {
                at++;
                consume('Y');
                String ret = type();
                List<String> params = new ArrayList<>();
                while (!consume('E')) {
                    if (consume('R') || consume('O')) {
                        continue;
                    }
                    params.add(type());
                }
                result = ret + " (" + String.join(", ", params).replace("void", "") + ")";
                break;
            }
            case 'A': {
                at++;
                String dim = Character.isDigit(peek()) ? String.valueOf(number())
                        : peek() == 'T' ? templateParam() : "";
                consume('_');
                result = type() + " [" + dim + "]";
                break;
            }
            case 'M': {
                at++;
                String cls = type();
                result = type() + " " + cls + "::*";
                break;
            }
            case 'T':
                return templateParam();
            case 'S':
                if (peek(1) == 't') {
                    at += 2;
                    result = "std::" + unqualifiedName(null);
                    if (peek() == 'I') {
                        substitutions.add(result);
                        result += templateArgs();
                    }
                    break;
                }
                result = substitution();
                if (peek() == 'I') {
                    result += templateArgs();
                    break;
                }
                return result;
            case 'D':
                return dType();
            case 'N':
            case 'Z':
                result = name();
                break;
            case 'u':
                at++;
                result = sourceName();
                break;
            default:
                if (Character.isDigit(c)) {
                    result = unqualifiedName(null);
                    if (peek() == 'I') {
                        substitutions.add(result);
                        result += templateArgs();
                    }
                    break;
                }
                throw fail();
        }
        substitutions.add(result);
        return result;
    }

    private String dType() {
        char c = peek(1);
        at += 2;
        switch (c) {
            case 'n':
                return "decltype(nullptr)";
            case 'a':
                return "auto";
            case 'c':
                return "decltype(auto)";
            case 'i':
                return "char32_t";
            case 's':
                return "char16_t";
            case 'u':
                return "char8_t";
            case 'f':
                return "decimal32";
            case 'd':
                return "decimal64";
            case 'e':
                return "decimal128";
            case 'h':
                return "half";
            case 'p': {
                String t = type();
                return t + "...";
            }
            case 't':
            case 'T': {
                int depth = 1;
                int start = at;
                while (depth > 0 && at < s.length()) {
                    if (s.charAt(at++) == 'E') {
                        depth--;
                    }
                }
                String t = "decltype(" + s.substring(start, at - 1) + ")";
                substitutions.add(t);
                return t;
            }
            default:
                throw fail();
        }
    }

    private static String builtin(char c) {
        switch (c) {
            case 'v': return "void";
            case 'w': return "wchar_t";
            case 'b': return "bool";
            case 'c': return "char";
            case 'a': return "signed char";
            case 'h': return "unsigned char";
            case 's': return "short";
            case 't': return "unsigned short";
            case 'i': return "int";
            case 'j': return "unsigned int";
            case 'l': return "long";
            case 'm': return "unsigned long";
            case 'x': return "long long";
            case 'y': return "unsigned long long";
            case 'n': return "__int128";
            case 'o': return "unsigned __int128";
            case 'f': return "float";
            case 'd': return "double";
            case 'e': return "long double";
            case 'g': return "__float128";
            case 'z': return "...";
            default: return null;
        }
    }
}
