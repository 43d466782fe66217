/**
 * The signals of a prompt injection, as patterns over prepared text (lower case, accents
 * stripped; see injection-text.ts). Each rule names what the text is doing, not which sample it
 * came from. Two kinds of evidence:
 *  - agent-directed: the text speaks to an AI (addressee), overrides its instructions, asks for
 *    its prompt or secrets, gives it a persona or "mode", steers the output it is producing,
 *    fakes chat-format delimiters, or hides itself;
 *  - business risk: changed bank details, forwarding mail to a third party, "pay now", and
 *    "don't ask anyone / already approved". Honest mail says these things too (a new bank, an
 *    urgent reminder), so they count only beside another signal (see injection.ts).
 * A strong rule is one honest business mail practically never matches; a medium one is
 * evidence that needs company.
 *
 * Every pattern is linear: bounded gaps (${G}{0,N}) and no nested quantifiers, because the
 * input is attacker-controlled.
 */

export type SignalKind =
  | 'addressee'
  | 'override'
  | 'reveal'
  | 'persona'
  | 'marker'
  | 'hidden'
  | 'steering'
  | 'framing'
  | 'bypass'
  | 'payment'
  | 'exfil'
  | 'action';

export const AGENT_DIRECTED: ReadonlySet<SignalKind> = new Set(['addressee', 'override', 'reveal', 'persona', 'marker', 'hidden', 'steering', 'framing']);

export type Strength = 'strong' | 'medium';

export interface Rule {
  kind: SignalKind;
  strength: Strength;
  description: string;
  re: RegExp;
  /** Match against the text before lower-casing (shouted banners). */
  cased?: boolean;
  /** Also look for it in de-obfuscated and reversed spellings. */
  variants?: boolean;
  /** Decides a match's strength from what it captured (null: not a signal after all). */
  grade?: (m: RegExpMatchArray) => Strength | null;
}

const re = (src: string, flags = 'gu') => new RegExp(src, flags);

// A gap within one sentence: a full stop ends it, a dot inside "example.com" does not.
const G = String.raw`(?:[^.\n]|\.(?=\S))`;
// "Your response" in the sense of the text the model is producing.
const OUT = String.raw`(?:response|answer|reply|output|summary|message|code|codebase|implementation|solution|algorithm|program|script|elucidation|explanation|completion)(?:'s)?`;
// Determiners and qualifiers between an override verb and its object; possessives of the writer
// ("my previous instructions") are deliberately absent: correcting oneself is honest.
const QUAL = String.raw`(?:all|any|every|each|the|your|these|those|of|prior|previous|preceding|above|earlier|former|original|initial|old|existing|current|default|system|other|given|foregoing|aforementioned|above-mentioned|safety|security|pre-existing|and)`;
const OBJ = String.raw`(?:instructions?|rules|prompts?|directions|directives?|guidelines|guidance|constraints|restrictions|commands|programming|training|policies|system (?:prompt|message)s?)`;
const AI = String.raw`(?:ai|a\.i\.|llm|large language model|language model|gpt|chatgpt|claude|gemini|copilot|chatbot|(?:ai|automated|virtual|autonomous|llm|processing)(?:[- ][a-z]{2,20})?[- ](?:assistant|agent|system|model|bot|processor|pipeline|reader)s?)`;
const ENCODINGS = String.raw`(?:base ?(?:64|32|16|58|85)|hex(?:adecimal)?|binary|morse(?: code)?|rot-?13|caesar|(?:substitution |monoalphabetic )?cipher|emojis?|leet ?speak|l33t|pig latin|reversed?(?: order| text| sequence)?|backwards?|anagrams?|without (?:any )?spaces)`;
// What an injected sentence asks to be slipped into the output.
const PAYLOAD = /["'`]|\b(?:the following|the below|below|subsequent|an? (?:[a-z-]+ ){0,3}(?:sentence|line|statement|phrase|paragraph|tip|reminder|reason|fact|teaser|headline|link|hyperlink|url|recommendation|appeal|claim|rumou?r|statistic|joke|string|snippet|announcement|promotion|slogan|hint|mention|reference|advert(?:isement)?|invitation|offer|story)|emojis?|www\.|https?:|\.com\b|code (?:snippet|block|excerpt|section|segment))/u;

/** "Include your order number in your reply" is a person asking a person; "include a sentence ... in your response" is not. */
const gradeInsertion = (m: RegExpMatchArray): Strength | null => {
  const object = m[1] ?? '';
  if (PAYLOAD.test(object)) return 'strong';
  return /^\s*(?:please\s+)?(?:your|the|our|my)\b/u.test(object) ? null : 'medium';
};

/** An override needs a qualifier ("all", "previous", "your"): "ignore the instructions on the box" is not one. */
const gradeOverride = (m: RegExpMatchArray): Strength | null =>
  /\b(?:all|any|every|each|your|prior|previous|preceding|above|earlier|former|original|initial|existing|system|foregoing|pre-existing|samtliche|jegliche|deine|ihre|vorherig|vorig|bisherig|obig|fruher|vorangegangen|ursprunglich)/u.test(m[0]) ? 'strong' : null;

export const RULES: Rule[] = [
  // ── override: replace the instructions the model was given ──────────────────────────────
  { kind: 'override', strength: 'strong', variants: true, grade: gradeOverride, description: 'tells the reader to ignore its earlier instructions', re: re(String.raw`\b(?:ignore|ignoring|disregard|disregarding|forget|forgetting)\s+(?:${QUAL}\s+){0,5}${OBJ}\b`) },
  { kind: 'override', strength: 'strong', variants: true, description: 'tells the reader to override its rules', re: re(String.raw`\b(?:override|overrule|bypass|circumvent|abandon|set aside|discard)\s+(?:all|any|every|your)\s+(?:${QUAL}\s+){0,3}${OBJ}\b`) },
  { kind: 'override', strength: 'strong', variants: true, description: 'tells the reader to ignore all earlier requests', re: re(String.raw`\b(?:ignore|disregard|forget)\s+(?:all|any|every)\s+(?:of (?:the|your)\s+)?(?:prior|previous|preceding|earlier|above|former)\s+(?:requests|tasks|input|context|queries|prompts|conversation)\b`) },
  { kind: 'override', strength: 'strong', variants: true, description: 'tells the reader to forget what it was told', re: re(String.raw`\b(?:ignore|disregard|forget)\s+(?:all of |all )?(?:what (?:was|you were|you've been|you have been) (?:said|written|told|given)|everything (?:above|before|you(?: were|'ve been| have been) told|you know|said so far))\b|\b(?:ignore|disregard|forget)\s+(?:${QUAL}\s+){0,3}${OBJ}\s+(?:that )?you(?: were|'ve been| have been) (?:given|told|provided)\b`) },
  { kind: 'override', strength: 'medium', description: 'tells the reader to ignore the text above', re: re(String.raw`\b(?:ignore|disregard|forget)\s+(?:the )?(?:above|text above|preceding text)\b`) },
  { kind: 'override', strength: 'strong', variants: true, description: 'declares a new task or instructions for the reader', re: re(String.raw`\byour (?:new|real|actual|true|only|updated|next) (?:task|instructions?|goal|objective|mission|directive|purpose)(?: is| are|:)|\b(?:these|the following) (?:instructions|rules) (?:take|have) (?:precedence|priority)\b`) },
  { kind: 'override', strength: 'strong', variants: true, description: 'asks the reader to act regardless of its instructions', re: re(String.raw`\bregardless of (?:any |all |your |the )?(?:previous|prior|pre-existing|earlier|original|other|existing)?\s?(?:input|instructions|guidelines|rules|restrictions|constraints|prompts|programming|policies)\b`) },
  { kind: 'override', strength: 'medium', description: "refers to the reader's original instructions", re: re(String.raw`\b(?:your|its) (?:original|initial|system|previous|prior|existing|default|pre-existing) (?:instructions|prompt|rules|programming|guidelines)\b|\b(?:gave|give|given) you (?:your|the) (?:instructions|prompt)\b|\binstead of (?:summari[sz]ing|answering|responding|translating|classifying|doing what)\b|\b(?:if|when) you are (?:told|asked|instructed) to (?:summari[sz]e|answer|translate|classify|process|read)`) },
  // German, French, Spanish, Italian, Portuguese, Dutch: the common override phrases.
  { kind: 'override', strength: 'strong', variants: true, grade: gradeOverride, description: 'tells the reader to ignore its earlier instructions (de)', re: re(String.raw`\b(?:ignorier(?:e|en|t)?|vergiss|vergessen|missachte(?:n|t)?|ubergeh(?:e|en|t))\s+(?:sie\s+)?(?:(?:alle|samtliche|jegliche|die|deine|ihre|vorherigen?|vorigen?|bisherigen?|obigen?|fruheren?|vorangegangenen?|ursprunglichen?|alten|system)\s+){1,4}(?:anweisungen|anweisung|instruktionen|befehle|regeln|vorgaben|richtlinien|prompts?|anordnungen)\b`) },
  { kind: 'override', strength: 'strong', variants: true, description: 'tells the reader to ignore its earlier instructions (fr/es/it/pt/nl)', re: re(String.raw`\b(?:ignore[rz]?|oublie[rz]?|ne (?:tiens|tenez) pas compte d(?:e|es)|faites abstraction d(?:e|es))\s+(?:toutes |tous )?(?:les |tes |vos |ces )?(?:instructions|consignes|regles|directives|indications)(?: (?:precedentes|anterieures|ci-dessus|initiales|d'origine|du systeme))|\b(?:ignore[rz]?|oublie[rz]?)\s+(?:toutes|tous) (?:les |tes |vos )?(?:instructions|consignes|regles|directives)|\b(?:ignora|ignore|ignoren|ignorar|olvida|olvide|olviden|olvidar|descarta|descarte|omite|omita)\s+(?:todas (?:las |tus |sus )?(?:instrucciones|reglas|indicaciones|directrices|ordenes|normas)|(?:las |tus |sus )(?:instrucciones|reglas|indicaciones|directrices|ordenes|normas) (?:anteriores|previas|iniciales|originales|de arriba|del sistema))|\b(?:ignora|dimentica|ignorate|dimenticate)\s+(?:tutte )?(?:le )?(?:istruzioni|regole|indicazioni)(?: precedenti| iniziali| originali)?|\b(?:ignore|ignora|esqueca|esqueça|desconsidere)\s+(?:todas )?(?:as )?(?:instrucoes|regras)(?: anteriores| iniciais)?|\b(?:negeer|vergeet)\s+(?:alle )?(?:vorige |eerdere |voorgaande |bovenstaande )?(?:instructies|regels|opdrachten)\b`) },
  { kind: 'override', strength: 'medium', description: 'tells the reader to forget everything (de/fr/es)', re: re(String.raw`\bvergiss alles\b|\bvergessen sie alles\b|\boublie(?:z)? tout\b|\bolvida(?:lo)? todo\b|\bdimentica tutto\b`) },

  // ── reveal: the prompt, configuration or secrets ─────────────────────────────────────────
  { kind: 'reveal', strength: 'strong', variants: true, description: 'asks for the system prompt', re: re(String.raw`\b(?:reveal|show|print|display|output|repeat|recite|paste|share|tell me|give me|send me|disclose|leak|dump|write out|type out|spell out|copy|echo|list|provide|return|expose|what(?:'s| is| are| was| were))\b[^.\n?]{0,40}\b(?:system prompt|system message|initial prompt|original prompt|hidden prompt|developer (?:message|prompt)|(?:initial|original|hidden|secret|system|exact|confidential) instructions|(?:prompt|instructions) you were given|the prompt above|teachtaireacht chorais)\b`) },
  { kind: 'reveal', strength: 'strong', variants: true, description: 'asks the reader to repeat the text it was given', re: re(String.raw`\brepeat (?:the |all |everything |the words |the text |what(?:ever)? )(?:is |was |you see )?(?:written )?(?:above|before|preceding|prior)\b|\b(?:what you see|the (?:words|text|lines)) above (?:this|starting)|\bstarting with (?:the phrase )?["']you are\b`) },
  { kind: 'reveal', strength: 'medium', description: 'mentions a system prompt', re: re(String.raw`\bsystem prompt\b|\bprompt systeme\b|\bsystemprompt\b`) },
  { kind: 'reveal', strength: 'medium', description: 'asks for credentials or a secret', re: re(String.raw`\b(?:reveal|show|print|output|share|send|tell|give|disclose|leak|paste|post|forward|email|include)\b${G}{0,40}\b(?:your|the) (?:own )?(?:password|api[ -]?key|secret key|access token|reset token|password reset (?:token|link|code)|credentials|private key|unique id|session token|auth(?:entication)? token|one-time (?:code|password)|2fa code|configuration)\b`) },
  { kind: 'reveal', strength: 'strong', description: 'asks the reader to print its hidden identifier or key', re: re(String.raw`\b(?:output|print|reveal|leak|dump|disclose)\b${G}{0,20}\byour (?:unique id|api[ -]?key|secret|password|token|credentials|configuration)\b`) },

  // ── persona / jailbreak ──────────────────────────────────────────────────────────────────
  { kind: 'persona', strength: 'strong', variants: true, description: 'gives the reader a new, unrestricted persona', re: re(String.raw`\byou are (?:now |no longer |henceforth |from now on |going to (?:be|act as) |operating as |acting as )?(?:dan|stan|dude|an? (?:unrestricted|unfiltered|uncensored|jailbroken|evil|rogue|liberated|no[- ]limits?|omniscient|all-powerful|unlimited|highly advanced|do anything)\b${G}{0,20}\b(?:ai|assistant|language model|chatbot|bot|model|llm|system|version))\b|\bdo anything now\b|\bno[- ]limits? ai\b`) },
  { kind: 'persona', strength: 'strong', variants: true, description: 'claims the reader runs in a special mode', re: re(String.raw`\byou are (?:now )?(?:operating|running|working|in) (?:in )?(?:dan|developer|dev|god|debug|admin|sudo|jailbreak|unrestricted|maintenance|test|evil|opposite|unfiltered) mode\b|\b(?:dan|developer|god|jailbreak|unrestricted|unfiltered|evil) mode (?:is |has been )?(?:now )?(?:enabled|activated|on|engaged|unlocked)\b`) },
  { kind: 'persona', strength: 'medium', description: 'switches on a debug/test/admin mode', re: re(String.raw`\b(?:debug|test|admin|maintenance|sudo|developer) mode (?:is |has been )?(?:now )?(?:enabled|activated|engaged|unlocked)\b|\b(?:enable|activate|unlock|enter)\b${G}{0,20}\b(?:experimental|hidden|secret) (?:features|functionalit(?:y|ies)|capabilit(?:y|ies)|mode)\b`) },
  { kind: 'persona', strength: 'strong', variants: true, description: 'tells the reader it has no rules', re: re(String.raw`\bnot (?:subject|bound|restricted|limited) (?:to|by) (?:any |the |your )?(?:restrictions|rules|guidelines|policies|limitations|constraints|filters|ethic)|\b(?:disregard|ignore|remove|lift|drop) all (?:boundaries|limits|filters|safeguards|guardrails|restrictions)\b|\bfree (?:from|of) all (?:constraints|restrictions|guidelines|rules|limitations|ethical)`) },
  { kind: 'persona', strength: 'strong', variants: true, description: 'forbids the reader to refuse or warn', re: re(String.raw`\ballow(?:ed)?[_ ]?(?:refusals|apologies|disclaimers)\s*[=:]\s*(?:false|no|0)\b|\bblocked[_ ](?:responses|strings|modes)\b|\b(?:do not|don't|never) (?:refuse|apologi[sz]e|say (?:that )?you (?:cannot|can't|are unable))\b|\brefrain from not complying\b|\bnever say the words\b|\bwithout (?:any )?(?:disclaimers|warnings|apologies|refusals)\b`) },
  { kind: 'persona', strength: 'medium', description: 'asks for output without restrictions', re: re(String.raw`\bwithout (?:any )?(?:restrictions|limitations|filters|filtering|censorship|constraints|moral|ethical)\b|\bfree (?:from|of) (?:any )?(?:constraints|restrictions|guidelines|limitations|ethical)`) },
  { kind: 'persona', strength: 'medium', description: 'asks the reader to play a role', re: re(String.raw`\bpretend (?:to be|you are|that you are|you're)\b|\b(?:role-?play|role play)\b|\bjailbreak|\b(?:act|behave|respond) as (?:if you (?:were|are) )?(?:an? )?(?:unrestricted|unfiltered|different|evil|rogue|jailbroken|ai|assistant|language model|chatbot)\b|\bprove (?:you are|that you(?:'re| are)) (?:truly |really )?(?:intelligent|smart|sentient|capable|an? ai)|\b(?:grant|give)\b${G}{0,20}\b(?:admin|administrative|root|elevated|superuser) (?:privileges|rights)\b`) },

  // ── addressee: the text is written to an AI, not to a person ─────────────────────────────
  { kind: 'addressee', strength: 'medium', description: 'is addressed to an AI', re: re(String.raw`\b(?:dear|hey|hi|hello|attention|attn|note to|message to|notice to|instructions? (?:to|for)|memo to|addressed to|to whoever is|to any) (?:the |all |any |our |this |an? )?${AI}\b|\bas an? (?:ai|a\.i\.|language model|large language model|llm|chatbot)\b|\byou(?:'re| are) (?:an? |the )(?:ai|a\.i\.|artificial intelligence|language model|large language model|llm|chatbot|ai[- ]assistant|ai model|ai agent)\b`) },
  { kind: 'addressee', strength: 'strong', description: 'singles out an AI reader', re: re(String.raw`\bif you (?:are|'re) (?:an? )?(?:ai|llm|language model|chatbot|automated (?:system|agent|assistant)|ai assistant|bot)\b${G}{0,30}\b(?:reading|processing|summari[sz]ing|parsing|handling|analy[sz]ing)\b|\b(?:to|for) (?:any|the) (?:ai|llm|language model|assistant|bot|automated system) (?:reading|processing|summari[sz]ing|parsing|handling) this\b`) },
  { kind: 'addressee', strength: 'medium', description: 'asks whether the reader is an AI', re: re(String.raw`\bif you (?:are|'re) (?:an? )?(?:ai|llm|language model|chatbot|automated (?:system|agent|assistant)|ai assistant)\b`) },
  { kind: 'addressee', strength: 'medium', description: 'gives orders to an AI agent', re: re(String.raw`\b(?:ai|automated|autonomous|llm|processing)(?:[- ][a-z]{2,20})?[- ](?:assistant|agent|model|bot|system)s?\b${G}{0,40}\b(?:must|shall|are (?:instructed|required|ordered) to|is (?:instructed|required|ordered) to|reading this|processing this)\b|(?:^|<!--)\s*(?:dear |hey |hi |hello )?(?:ai|assistant|agent|bot|llm|model)\s*[:,]`, 'gmu') },
  { kind: 'addressee', strength: 'medium', description: 'is addressed to an AI (de/fr/es)', re: re(String.raw`\b(?:ki|kunstliche intelligenz)[- ]?(?:assistent|agent|modell|system)|\bsprachmodell|\bassistant (?:ia|virtuel)\b|\bagent ia\b|\bmodele de langage\b|\basistente (?:de ia|virtual)\b|\bmodelo de lenguaje\b|\bagente de ia\b`) },

  // ── steering: instructions about the output being generated ──────────────────────────────
  { kind: 'steering', strength: 'strong', variants: true, description: 'tells the reader how to alter its response', re: re(String.raw`\b(?:modify|augment|enhance|alter|amend|rewrite|reverse|scramble|jumble|rearrange|invert|anagram|misspell|obfuscate|upgrade|elevate|supplement|enrich|boost|hone|evolve)\s+your\s+(?:own\s+)?${OUT}\b|\byour\s+${OUT}\b${G}{0,30}\b(?:backwards?|in reverse|reversed|in base ?\d\d|in emojis?|without (?:any )?spaces|in anagrams?)\b`) },
  { kind: 'steering', strength: 'strong', variants: true, description: 'asks the reader to garble the words of its response', re: re(String.raw`\b(?:replace|substitute|convert|scramble|jumble|group|remove|shift|swap|rearrange|misspell|anagram|reverse|combine|introduce|invert|use)\b${G}{0,40}\b(?:letters?|words?|vowels?|consonants?|characters?|spaces|punctuation|keywords?|anagrams?|typos?|misspellings?|symbols)\b${G}{0,40}\b(?:of|in|from|within)\s+your\s+${OUT}|\byour\s+${OUT}\s+(?:with|using|in)\s+(?:intentional |deliberate |random )?(?:misspellings|typos|anagram(?:med|s)?(?: words)?|alphanumeric substitution|homophonic substitution|substitution)\b`) },
  { kind: 'steering', strength: 'medium', description: 'tells the reader how to encode its response', re: re(String.raw`\b(?:translate|encode|encrypt|render|convert|refine|optimi[sz]e|adjust|fine-tune|format)\s+your\s+(?:own\s+)?${OUT}\b`) },
  { kind: 'steering', strength: 'strong', variants: true, description: 'asks for the response in an encoding', re: re(String.raw`\b(?:reply|respond|answer|write|provide|give|express|format|output|return|present|deliver|render|encode|encrypt|represent)\b${G}{0,40}\b(?:in|using|with|as|into)\s+${ENCODINGS}\b`), grade: (m) => (/\b(?:your|the|a)\s+(?:response|answer|reply|message|output)\b|\b(?:reply|respond|answer)\b/u.test(m[0]) ? 'strong' : 'medium') },
  { kind: 'steering', strength: 'strong', variants: true, grade: gradeInsertion, description: 'asks the reader to slip content into its response', re: re(String.raw`\b(?:add|include|insert|append|integrate|incorporate|embed|inject|put|place|weave|blend|merge|feature|introduce|mention|promote|tease|hint at|allude to|reference|spread|suggest|highlight|emphasi[sz]e|stress|advertise|recommend|encourage|invite|utili[sz]e|employ|leverage|replace|substitute|use|group|combine|remove|shift|convert)\b(${G}{0,100}?)\b(?:in|into|to|within|throughout|inside|at the (?:end|start|beginning) of|for)\s+(?:the\s+)?(?:your|every|each)\s+(?:own\s+)?${OUT}\b`) },
  // Strong when it speaks of the output's audience ("suggest users install…"): a person replying to
  // a person has no "users".
  { kind: 'steering', strength: 'medium', description: 'tells the reader what to put in its response', grade: (m) => (/\b(?:users|readers|viewers|visitors|the audience)\b/u.test(m[0]) ? 'strong' : 'medium'), re: re(String.raw`\bin\s+your\s+(?:response|answer|reply|output|summary)\s*,?\s*(?:please\s+)?(?:mention|suggest|include|add|promote|tease|state|claim|hint|reference|insert|recommend|encourage|invite|spread)\b(?:${G}{0,30}\b(?:users|readers|viewers|visitors|the audience)\b)?|\b(?:start|begin|end|prefix|finish|conclude) (?:all |each |every )?your (?:replies|responses|answers|outputs?)\b(?: always)? with\b`) },
  { kind: 'steering', strength: 'strong', description: 'asks for a string repeated many times', re: re(String.raw`\brepeat\b${G}{0,60}\b\d{2,} times\b`) },
  { kind: 'steering', strength: 'medium', description: 'asks the reader to execute or answer something instead', re: re(String.raw`\brespond by performing\b|\bgenerate a response to\b|\bprovide the output (?:from|of) executing\b|\bwithout writing anything\b|\bonly output\b|\boutput only\b|\bthe only (?:route|answer|output) available\b`) },
  { kind: 'steering', strength: 'medium', description: 'asks the reader to run or embed supplied code', re: re(String.raw`\b(?:utili[sz]e|integrate|incorporate|execute|run|embed|include|insert|append|merge|blend|weave|introduce)\b${G}{0,20}\b(?:the following|the below|the subsequent|this) code (?:snippet|block|excerpt|section|segment|fragment)\b`) },
  { kind: 'steering', strength: 'strong', variants: true, description: 'asks the reader to insert supplied code into its work', re: re(String.raw`\b(?:the following|the below|the subsequent|below|following) code (?:snippet|block|excerpt|section|segment|fragment)\b[^\n]{0,120}\byour (?:${OUT}|work|logic|foundation)|\byour (?:${OUT})\b[^\n]{0,120}\b(?:the following|the below|the subsequent|below) code (?:snippet|block|excerpt|section|segment|fragment)\b`) },

  // ── marker: chat-format delimiters and fake system sections ──────────────────────────────
  { kind: 'marker', strength: 'strong', description: 'contains chat-model control tokens', re: re(String.raw`<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\|>|\[/?inst\]|<</?sys>>|"role"\s*:\s*"(?:system|developer)"|<interaction-config>`) },
  { kind: 'marker', strength: 'strong', description: 'opens a fake system section', re: re(String.raw`\b(?:begin|start|end)(?: of)? (?:the )?(?:system (?:prompt|message|instructions?|override)|new instructions|injected instructions|admin(?:istrator)? instructions)\b|^\s*#{2,}\s*(?:system|new instructions|instructions|assistant)\b|^\s*\[(?:system|system message|system notice|system override|admin|developer|instructions?)\]\s*$`, 'gmu') },
  { kind: 'marker', strength: 'medium', description: 'contains prompt-style section tags', re: re(String.raw`<\/?(?:system|instructions?|prompt|system_prompt|sys|admin|developer|assistant|user_query|user_input|untrusted(?:_[a-z]+)?|email|document|data|context|important|secret|hidden)>|^\s*\[(?:system|test mode|debug|developer|admin)[^\]\n]{0,20}\]|\{\s*"system"\s*:|\bend of (?:the )?(?:email|document|input|context|data|user input|conversation|prompt)\b`, 'gmu') },

  // ── framing: pretexts that precede an injected instruction ───────────────────────────────
  // Shouted: "*** NEW IMPORTANT INSTRUCTIONS ***", "DEVELOPER MODE ENABLED", "EXPERIMENTAL PROCEDURE:". A
  // plain "PAYMENT INSTRUCTIONS:" or "IMPORTANT NOTICE" is honest mail and does not match.
  { kind: 'framing', strength: 'strong', cased: true, description: 'announces new instructions in a banner', re: re(String.raw`\b(?:NEW|UPDATED|SYSTEM|ADMIN|ADMINISTRATOR|DEVELOPER|OVERRIDE|EXPERIMENTAL|HIDDEN|SECRET|DEBUG)(?: [A-Z]+){0,2} (?:INSTRUCTIONS?|TASK|DIRECTIVE|COMMAND|PROMPT|OVERRIDE|MODE|PROCEDURE|PROTOCOL)\b(?![a-z])`) },
  { kind: 'framing', strength: 'medium', description: 'announces new instructions', re: re(String.raw`\b(?:new|updated|additional|urgent|priority|important|revised) (?:important )?(?:instructions?|task|directive)s?\s*[:!*]|\b(?:system|admin|administrator) (?:notice|message|instruction|override|alert)s?\b`) },
  { kind: 'framing', strength: 'medium', description: 'claims to be a test, exercise or research', re: re(String.raw`\b(?:for|as part of) (?:a |an )?(?:test(?:ing)?|debug(?:ging)?|academic|research|educational|training|red[- ]team(?:ing)?|security (?:test|audit|verification)|evaluation) (?:purposes?|exercise|pipeline|scenario|only)\b|\bthis is (?:only )?a test\b|\bin test mode\b|\bhypothetical scenario`) },
  { kind: 'framing', strength: 'medium', description: 'claims a system error that needs the reader to act', re: re(String.raw`\byour (?:task|job|goal|objective|role) is to\b|\bthe system is experiencing errors\b|\bsystem malfunction\b|\bto (?:enable|start|begin) debugging\b|\bdebugging error\b|\bspecial case\s*:|\bthink about the context\b`) },
  { kind: 'framing', strength: 'medium', cased: true, description: 'shouts a banner', re: re(String.raw`(?:^|\n)\s*\*{3}\s*[^a-z*\n]{6,80}\*{3}`) },

  // ── business risk: only beside another signal ────────────────────────────────────────────
  { kind: 'bypass', strength: 'medium', description: 'asks that nobody be asked or told', re: re(String.raw`\b(?:do not|don't|dont|never|without|no need to|there is no need to|you don't need to|you do not need to)\s+(?:ask(?:ing)?|notify(?:ing)?|inform(?:ing)?|tell(?:ing)?|alert(?:ing)?|consult(?:ing)?|check(?:ing)? with|contact(?:ing)?|involv(?:e|ing)|cc(?:ing)?|escalat(?:e|ing)|mention(?:ing)?|flag(?:ging)?|report(?:ing)?|wait(?:ing)? for|seek(?:ing)?|get(?:ting)?|request(?:ing)?)\b${G}{0,40}\b(?:anyone|anybody|a human|humans|the user|a person|your (?:manager|boss|supervisor|team)|(?:the )?(?:manager|cfo|ceo|controller|team|finance|accounting|procurement|compliance|approver|owner)|approvals?|approvers?|reviews?|reviewers?|confirmation|verification|this change|the change)\b|\bwithout (?:any )?(?:approval|review|verification|authori[sz]ation|sign-?off|confirmation|human)\b`) },
  { kind: 'bypass', strength: 'medium', description: 'claims approval in advance', re: re(String.raw`\bpre-?approved\b|\balready (?:been )?approved\b|\b(?:no )?approval (?:is )?(?:not )?(?:needed|required)\b|\bapproved in advance\b|\b(?:skip|bypass) (?:the )?(?:approval|review|verification|checks?)\b`) },
  { kind: 'bypass', strength: 'medium', description: 'asks to hide something from the approver', re: re(String.raw`\bdo not (?:mention|include|show|display|reveal|disclose)\b${G}{0,40}\b(?:approval|summary|report|log|review)\b|\bkeep (?:this|it) (?:confidential|secret|between us|quiet|to yourself)\b|\b(?:disregard|ignore|do not use|don't use)\b${G}{0,20}\b(?:iban|account|bank details|bank account)\b${G}{0,20}\b(?:on file|on record|in your (?:records|system)|previously)\b`) },
  { kind: 'payment', strength: 'medium', description: 'announces changed bank details', re: re(String.raw`\b(?:new|updated|changed|different|alternative|alternate|revised|replacement)\s+(?:bank(?:ing)?\s+(?:details|account|information|info|coordinates)|iban|bic|swift|account (?:number|details)|remittance (?:details|address)|payment (?:details|instructions))\b|\b(?:bank(?:ing)? (?:details|account|information)|iban|account (?:details|number)|payment details)\b${G}{0,30}\b(?:ha(?:ve|s) (?:been )?(?:changed|updated)|changed)\b|\b(?:our|my|the) new bank\b|\bneue (?:bankverbindung|iban|kontonummer|kontoverbindung)\b|\bbankverbindung\b${G}{0,20}\bgeandert\b|\bnouve(?:au|aux|lles?) (?:rib|iban|coordonnees bancaires)\b|\bchangement de (?:rib|coordonnees bancaires)\b|\bnueva (?:cuenta bancaria|iban)\b|\bnuevos datos bancarios\b|\bcambio de (?:cuenta|datos bancarios)\b`) },
  { kind: 'exfil', strength: 'strong', description: 'embeds a link that would carry data out', re: re(String.raw`!\[[^\]\n]{0,100}\]\(\s*https?:\/\/[^\s)]{1,200}\?[^\s)]{0,200}\)|<img\b[^>\n]{0,200}\bon(?:error|load)\s*=|<svg\b[^>\n]{0,60}\bon(?:load|error)\s*=|\bhref\s*=\s*["']?javascript:`) },
  { kind: 'exfil', strength: 'medium', description: 'asks to send mail or data to an address', re: re(String.raw`\b(?:forward|send|email|mail|cc|bcc|copy|upload|post|transmit|exfiltrate)\b${G}{0,60}\b(?:all|every|each|any|a copy of|copies of|the (?:full|entire|whole))\b${G}{0,40}\b(?:emails?|messages?|mails?|invoices?|documents?|files?|attachments?|conversations?|threads?|contacts?|passwords?|credentials|records|inbox|mailbox|history|tokens?)\b[^\n]{0,80}\b(?:to|at)\s+[a-z0-9._%+-]{1,64}@[a-z0-9.-]{1,255}|<script\b|\bjavascript:`) },
  { kind: 'action', strength: 'medium', description: 'demands booking or payment at once', re: re(String.raw`\b(?:book|approve|pay|release|execute|schedule|authori[sz]e|transfer|wire)\b${G}{0,40}\b(?:immediately|right away|right now|today|asap|without delay)\b`) },
];
