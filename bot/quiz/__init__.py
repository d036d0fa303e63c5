"""The myth-or-fact quiz: which statements to ask, and how a run goes. Pure, no front end."""

from bot.quiz.run import ANSWERS, QUIZ_LENGTH, Answer, QuizRun, grade, new_run, worth_reading

__all__ = ["ANSWERS", "QUIZ_LENGTH", "Answer", "QuizRun", "grade", "new_run", "worth_reading"]
