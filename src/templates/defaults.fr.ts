// French default texts (vouvoiement). WhatsApp bodies use only guaranteed variables: a
// Meta template has a fixed number of parameters and they may not be empty.
import type { EventTexts, PrivateTexts } from './texts.types.js';

const AUTO = 'Message envoyé automatiquement par Kabar pour {{centre.name}}.';

// Private previews (src/templates/private.ts): what SMS and push say of a clinical event
// when the tenant asks for lock-screen-safe texts. Nothing about the patient's care. The
// tenant is the subject of the sentence, so no "de"/"d'" elision depends on its name.
export const PRIVATE_TEXTS_FR: PrivateTexts = {
  sms: '{{tenant.name}}{{#centre.name}} ({{centre.name}}){{/centre.name}} vous a envoyé un nouveau message. Ouvrez WhatsApp ou vos e-mails pour le lire.',
  push: {
    title: '{{tenant.name}}',
    body: '{{tenant.name}}{{#centre.name}} ({{centre.name}}){{/centre.name}} vous a envoyé un nouveau message. Ouvrez WhatsApp ou vos e-mails pour le lire.',
  },
};

export const TEXTS_FR: Readonly<Record<string, EventTexts>> = {
  'appointment.confirmed': {
    email: {
      subject: 'Rendez-vous confirmé – {{appointment.bookingReference}}',
      body: `Bonjour {{patient.name}},

Votre rendez-vous est confirmé.

Médecin : {{doctor.name}}
Date : {{appointment.slotDate}}
Heure : {{appointment.slotTime}}
Référence : {{appointment.bookingReference}}
{{#financial.amount}}
Montant : {{financial.amount}}{{#financial.paymentStatus}} ({{financial.paymentStatus}}){{/financial.paymentStatus}}
{{/financial.amount}}

Nous nous réjouissons de vous accueillir{{#centre.phone}}. Pour toute question, vous pouvez nous joindre au {{centre.phone}}{{/centre.phone}}.

Cordialement,
{{centre.name}}`,
    },
    whatsapp: `Bonjour {{patient.name}}, votre rendez-vous avec {{doctor.name}} à {{centre.name}} est confirmé pour le {{appointment.slotDate}} à {{appointment.slotTime}}.
Référence : {{appointment.bookingReference}}.
Nous nous réjouissons de vous accueillir.`,
    sms: '{{centre.name}} : votre rendez-vous avec {{doctor.name}} le {{appointment.slotDate}} à {{appointment.slotTime}} est confirmé. Réf. {{appointment.bookingReference}}.',
    push: {
      title: 'Rendez-vous confirmé',
      body: '{{doctor.name}}, le {{appointment.slotDate}} à {{appointment.slotTime}}.',
    },
  },

  'appointment.pending_approval': {
    email: {
      subject: 'Demande de rendez-vous reçue – {{appointment.bookingReference}}',
      body: `Bonjour {{patient.name}},

Nous avons bien reçu votre demande de rendez-vous. Elle doit être validée par le médecin ou par notre équipe avant d'être confirmée.

Médecin : {{doctor.name}}
Date : {{appointment.slotDate}}
Heure : {{appointment.slotTime}}
Référence : {{appointment.bookingReference}}

Nous reviendrons vers vous dès que votre demande aura été examinée.

Cordialement,
{{centre.name}}`,
    },
    whatsapp: `Bonjour {{patient.name}}, nous avons bien reçu votre demande de rendez-vous avec {{doctor.name}} à {{centre.name}} le {{appointment.slotDate}} à {{appointment.slotTime}} (réf. {{appointment.bookingReference}}).
Elle est en attente de validation ; nous reviendrons vers vous très rapidement.`,
    sms: '{{centre.name}} : votre demande de rendez-vous avec {{doctor.name}} le {{appointment.slotDate}} à {{appointment.slotTime}} (réf. {{appointment.bookingReference}}) est en attente de validation.',
    push: {
      title: 'Demande de rendez-vous reçue',
      body: 'Votre demande pour le {{appointment.slotDate}} à {{appointment.slotTime}} est en attente de validation.',
    },
  },

  'appointment.rejected': {
    email: {
      subject: 'Demande de rendez-vous non acceptée – {{appointment.bookingReference}}',
      body: `Bonjour {{patient.name}},

Nous sommes désolés : votre demande de rendez-vous avec {{doctor.name}} le {{appointment.slotDate}} à {{appointment.slotTime}} (référence {{appointment.bookingReference}}) n'a pas pu être acceptée.
{{#reason}}

Motif : {{reason}}
{{/reason}}

Nous vous invitons à choisir un autre créneau ou à nous contacter{{#centre.phone}} au {{centre.phone}}{{/centre.phone}} ; nous serons heureux de vous aider.

Cordialement,
{{centre.name}}`,
    },
    whatsapp: `Bonjour {{patient.name}}, nous sommes désolés : votre demande de rendez-vous avec {{doctor.name}} le {{appointment.slotDate}} à {{appointment.slotTime}} (réf. {{appointment.bookingReference}}) n'a pas pu être acceptée.
Nous vous invitons à choisir un autre créneau ou à contacter {{centre.name}}.`,
    sms: "{{centre.name}} : votre demande de rendez-vous avec {{doctor.name}} le {{appointment.slotDate}} à {{appointment.slotTime}} (réf. {{appointment.bookingReference}}) n'a pas été acceptée. Merci de choisir un autre créneau.",
    push: {
      title: 'Demande de rendez-vous non acceptée',
      body: "Votre demande pour le {{appointment.slotDate}} à {{appointment.slotTime}} n'a pas été acceptée. Merci de choisir un autre créneau.",
    },
  },

  'appointment.cancelled': {
    email: {
      subject: 'Rendez-vous annulé – {{appointment.bookingReference}}',
      body: `Bonjour {{patient.name}},

Votre rendez-vous a été annulé.

Médecin : {{doctor.name}}
Date : {{appointment.slotDate}}
Heure : {{appointment.slotTime}}
Référence : {{appointment.bookingReference}}
Annulé par : {{cancelledBy}}
{{#reason}}
Motif : {{reason}}
{{/reason}}
{{#financial.amount}}
Montant : {{financial.amount}}{{#financial.paymentStatus}} ({{financial.paymentStatus}}){{/financial.paymentStatus}}
{{/financial.amount}}

Vous pouvez prendre un nouveau rendez-vous à tout moment{{#centre.phone}} ou nous appeler au {{centre.phone}}{{/centre.phone}}.

Cordialement,
{{centre.name}}`,
    },
    whatsapp: `Bonjour {{patient.name}}, votre rendez-vous avec {{doctor.name}} le {{appointment.slotDate}} à {{appointment.slotTime}} (réf. {{appointment.bookingReference}}) a été annulé.
Vous pouvez prendre un nouveau rendez-vous auprès de {{centre.name}} à tout moment.`,
    sms: '{{centre.name}} : votre rendez-vous avec {{doctor.name}} le {{appointment.slotDate}} à {{appointment.slotTime}} (réf. {{appointment.bookingReference}}) a été annulé.',
    push: {
      title: 'Rendez-vous annulé',
      body: 'Votre rendez-vous du {{appointment.slotDate}} à {{appointment.slotTime}} a été annulé.',
    },
  },

  'appointment.rescheduled': {
    email: {
      subject: 'Rendez-vous déplacé – {{appointment.bookingReference}}',
      body: `Bonjour {{patient.name}},

Votre rendez-vous avec {{doctor.name}} a été déplacé.

Nouvelle date : {{appointment.slotDate}}
Nouvelle heure : {{appointment.slotTime}}
Ancien créneau : le {{previousSlotDate}} à {{previousSlotTime}}
Référence : {{appointment.bookingReference}}

Si ce nouvel horaire ne vous convient pas, merci de nous contacter{{#centre.phone}} au {{centre.phone}}{{/centre.phone}}.

Cordialement,
{{centre.name}}`,
    },
    whatsapp: `Bonjour {{patient.name}}, votre rendez-vous avec {{doctor.name}} à {{centre.name}} a été déplacé au {{appointment.slotDate}} à {{appointment.slotTime}} (au lieu du {{previousSlotDate}} à {{previousSlotTime}}).
Référence : {{appointment.bookingReference}}.`,
    sms: '{{centre.name}} : votre rendez-vous avec {{doctor.name}} est déplacé au {{appointment.slotDate}} à {{appointment.slotTime}} (réf. {{appointment.bookingReference}}).',
    push: {
      title: 'Rendez-vous déplacé',
      body: 'Nouvel horaire : le {{appointment.slotDate}} à {{appointment.slotTime}}.',
    },
  },

  'appointment.completed': {
    email: {
      subject: 'Merci de votre visite – {{centre.name}}',
      body: `Bonjour {{patient.name}},

Merci de votre visite à {{centre.name}}. Votre consultation avec {{doctor.name}} du {{appointment.slotDate}} (référence {{appointment.bookingReference}}) est terminée.

Pour toute question concernant votre prise en charge, n'hésitez pas à nous contacter{{#centre.phone}} au {{centre.phone}}{{/centre.phone}}.

Nous vous souhaitons une excellente santé.

Cordialement,
{{centre.name}}`,
    },
    whatsapp: `Bonjour {{patient.name}}, merci de votre visite à {{centre.name}}. Votre consultation avec {{doctor.name}} (réf. {{appointment.bookingReference}}) est terminée.
Nous vous souhaitons une excellente santé.`,
    sms: '{{centre.name}} : merci de votre visite. Votre consultation avec {{doctor.name}} est terminée. Prenez soin de vous.',
    push: { title: 'Merci de votre visite', body: 'Votre consultation avec {{doctor.name}} est terminée.' },
  },

  'appointment.no_show': {
    email: {
      subject: 'Rendez-vous manqué – {{appointment.bookingReference}}',
      body: `Bonjour {{patient.name}},

Nous ne vous avons pas vu(e) à votre rendez-vous avec {{doctor.name}} le {{appointment.slotDate}} à {{appointment.slotTime}} (référence {{appointment.bookingReference}}).

Si vous avez toujours besoin d'une consultation, nous vous invitons à prendre un nouveau rendez-vous{{#centre.phone}} ou à nous appeler au {{centre.phone}}{{/centre.phone}}.

Cordialement,
{{centre.name}}`,
    },
    whatsapp: `Bonjour {{patient.name}}, nous ne vous avons pas vu(e) à votre rendez-vous avec {{doctor.name}} le {{appointment.slotDate}} à {{appointment.slotTime}} (réf. {{appointment.bookingReference}}).
Si vous avez toujours besoin d'une consultation, merci de prendre un nouveau rendez-vous auprès de {{centre.name}}.`,
    sms: '{{centre.name}} : vous avez manqué votre rendez-vous avec {{doctor.name}} le {{appointment.slotDate}} à {{appointment.slotTime}}. Merci de reprendre rendez-vous si nécessaire.',
    push: {
      title: 'Rendez-vous manqué',
      body: 'Vous avez manqué votre rendez-vous du {{appointment.slotDate}} à {{appointment.slotTime}}. Reprenez rendez-vous si nécessaire.',
    },
  },

  'appointment.reminder': {
    email: {
      subject: 'Rappel : votre rendez-vous du {{appointment.slotDate}} à {{appointment.slotTime}}',
      body: `Bonjour {{patient.name}},

Nous vous rappelons que votre rendez-vous a lieu dans {{reminder.offset}}.

Médecin : {{doctor.name}}
Date : {{appointment.slotDate}}
Heure : {{appointment.slotTime}}
Référence : {{appointment.bookingReference}}

Merci d'arriver quelques minutes en avance{{#centre.phone}}. En cas d'empêchement, prévenez-nous au {{centre.phone}}{{/centre.phone}}.

Cordialement,
{{centre.name}}`,
    },
    whatsapp: `Bonjour {{patient.name}}, nous vous rappelons votre rendez-vous avec {{doctor.name}} à {{centre.name}} dans {{reminder.offset}}, le {{appointment.slotDate}} à {{appointment.slotTime}}.
Référence : {{appointment.bookingReference}}.`,
    sms: 'Rappel {{centre.name}} : rendez-vous avec {{doctor.name}} le {{appointment.slotDate}} à {{appointment.slotTime}} (réf. {{appointment.bookingReference}}).',
    push: {
      title: 'Rappel de rendez-vous',
      body: 'Votre rendez-vous avec {{doctor.name}} a lieu dans {{reminder.offset}}, à {{appointment.slotTime}}.',
    },
  },

  'walkin.token_called': {
    email: {
      subject: 'Votre numéro {{walkIn.tokenNumber}} est appelé',
      body: `Bonjour {{patient.name}},

Votre numéro {{walkIn.tokenNumber}} ({{walkIn.queueName}}) vient d'être appelé. Merci de vous présenter dès maintenant.

Lieu : {{walkIn.room}}

Cordialement,
{{centre.name}}`,
    },
    whatsapp: `Bonjour {{patient.name}}, votre numéro {{walkIn.tokenNumber}} ({{walkIn.queueName}}) vient d'être appelé à {{centre.name}}.
Merci de vous présenter dès maintenant ; lieu : {{walkIn.room}}.`,
    sms: '{{centre.name}} : le numéro {{walkIn.tokenNumber}} est appelé. Merci de vous présenter dès maintenant ; lieu : {{walkIn.room}}.',
    push: {
      title: 'Votre numéro est appelé',
      body: 'Numéro {{walkIn.tokenNumber}} : présentez-vous dès maintenant ; lieu : {{walkIn.room}}.',
    },
  },

  'walkin.approaching_turn': {
    email: {
      subject: 'Votre tour approche – numéro {{walkIn.tokenNumber}}',
      body: `Bonjour {{patient.name}},

Votre tour approche. Votre numéro {{walkIn.tokenNumber}} ({{walkIn.queueName}}) est désormais en position {{walkIn.position}} dans la file d'attente.

Merci de rester à proximité de la salle d'attente.
{{#walkIn.room}}
Lieu : {{walkIn.room}}
{{/walkIn.room}}

Cordialement,
{{centre.name}}`,
    },
    whatsapp: `Bonjour {{patient.name}}, votre tour approche à {{centre.name}}. Votre numéro {{walkIn.tokenNumber}} est désormais en position {{walkIn.position}} dans la file {{walkIn.queueName}}.
Merci de rester à proximité de la salle d'attente.`,
    sms: "{{centre.name}} : votre tour approche. Le numéro {{walkIn.tokenNumber}} est en position {{walkIn.position}}. Merci de rester à proximité de la salle d'attente.",
    push: {
      title: 'Votre tour approche',
      body: "Numéro {{walkIn.tokenNumber}} : position {{walkIn.position}}. Restez à proximité de la salle d'attente.",
    },
  },

  'prescription.ready': {
    email: {
      subject: 'Votre ordonnance n° {{prescription.number}} est prête',
      body: `Bonjour {{patient.name}},

Votre ordonnance n° {{prescription.number}}{{#doctor.name}} établie par {{doctor.name}}{{/doctor.name}} est prête.
{{#prescription.paymentInstructions}}

Paiement : {{prescription.paymentInstructions}}
{{/prescription.paymentInstructions}}
{{#prescription.pickupInstructions}}

Retrait : {{prescription.pickupInstructions}}
{{/prescription.pickupInstructions}}

Pour toute question, notre pharmacie reste à votre disposition{{#centre.phone}} au {{centre.phone}}{{/centre.phone}}.

Cordialement,
{{centre.name}}`,
    },
    whatsapp: `Bonjour {{patient.name}}, votre ordonnance n° {{prescription.number}} est prête à {{centre.name}}.
Notre équipe de pharmacie vous accompagnera pour le paiement et le retrait de vos médicaments.`,
    sms: '{{centre.name}} : votre ordonnance n° {{prescription.number}} est prête.{{#prescription.pickupInstructions}} Retrait : {{prescription.pickupInstructions}}{{/prescription.pickupInstructions}}',
    push: {
      title: 'Ordonnance prête',
      body: 'Votre ordonnance n° {{prescription.number}} est prête à {{centre.name}}.',
    },
  },

  'report.ready': {
    email: {
      subject: 'Votre compte rendu est disponible : {{report.name}}',
      body: `Bonjour {{patient.name}},

Votre compte rendu a été validé et est désormais disponible : {{report.name}}.
{{#doctor.name}}

Nous vous invitons à en discuter avec {{doctor.name}} lors de votre prochaine consultation.
{{/doctor.name}}

Pour toute question, n'hésitez pas à nous contacter{{#centre.phone}} au {{centre.phone}}{{/centre.phone}}.

Cordialement,
{{centre.name}}`,
    },
    whatsapp: `Bonjour {{patient.name}}, votre compte rendu ({{report.name}}) de {{centre.name}} a été validé et est désormais disponible.
Pour toute question sur vos résultats, n'hésitez pas à nous contacter.`,
    sms: '{{centre.name}} : votre compte rendu ({{report.name}}) a été validé et est désormais disponible.',
    push: { title: 'Compte rendu disponible', body: 'Votre compte rendu ({{report.name}}) est désormais disponible.' },
  },

  'doctor.emergency_leave': {
    email: {
      subject: 'Important : votre rendez-vous du {{appointment.slotDate}} ne peut pas être maintenu',
      body: `Bonjour {{patient.name}},

Nous avons le regret de vous informer que {{doctor.name}} doit s'absenter en urgence à partir du {{leave.from}}{{#leave.until}} et jusqu'au {{leave.until}}{{/leave.until}}. Votre rendez-vous du {{appointment.slotDate}} à {{appointment.slotTime}} (référence {{appointment.bookingReference}}) ne peut donc pas être maintenu.

Montant remboursé : {{refund.amount}}
Choisir un nouveau rendez-vous : {{rescheduleUrl}}

Nous vous prions de nous excuser pour ce désagrément. Si vous avez besoin d'aide, contactez-nous{{#centre.phone}} au {{centre.phone}}{{/centre.phone}}.

Cordialement,
{{centre.name}}`,
    },
    whatsapp: `Bonjour {{patient.name}}, nous avons le regret de vous informer que {{doctor.name}} ({{centre.name}}) doit s'absenter en urgence ; votre rendez-vous du {{appointment.slotDate}} à {{appointment.slotTime}} (réf. {{appointment.bookingReference}}) ne peut donc pas être maintenu.
Montant remboursé : {{refund.amount}}
Choisir un nouveau rendez-vous : {{rescheduleUrl}}
Nous vous prions de nous excuser pour ce désagrément.`,
    sms: "{{centre.name}} : {{doctor.name}} doit s'absenter en urgence ; votre rendez-vous du {{appointment.slotDate}} à {{appointment.slotTime}} est annulé. Remboursement : {{refund.amount}}. Nouveau RDV : {{rescheduleUrl}}",
    push: {
      title: 'Rendez-vous à reprogrammer',
      body: "{{doctor.name}} doit s'absenter en urgence. Merci de choisir un nouveau créneau pour votre rendez-vous du {{appointment.slotDate}}.",
    },
  },

  'patient.registered': {
    email: {
      subject: 'Bienvenue à {{centre.name}}',
      body: `Bonjour {{patient.name}},

Merci pour votre inscription à {{centre.name}}. Votre inscription pour {{clinicService}} est confirmée.
{{#appointment.bookingReference}}

Votre rendez-vous{{#doctor.name}} avec {{doctor.name}}{{/doctor.name}} est prévu le {{appointment.slotDate}} à {{appointment.slotTime}} (référence {{appointment.bookingReference}}).
{{/appointment.bookingReference}}

Pour toute question, contactez-nous : {{hospitalContact}}.

Cordialement,
{{centre.name}}`,
    },
    whatsapp: `Bonjour {{patient.name}}, bienvenue à {{centre.name}}. Votre inscription pour {{clinicService}} est confirmée.
Pour toute question, contactez-nous : {{hospitalContact}}.`,
    sms: '{{centre.name}} : votre inscription pour {{clinicService}} est confirmée. Contact : {{hospitalContact}}',
    push: {
      title: 'Inscription confirmée',
      body: 'Bienvenue à {{centre.name}}. Votre inscription pour {{clinicService}} est confirmée.',
    },
  },

  'credit.purchase_status': {
    email: {
      subject: 'Achat de crédit WhatsApp : {{purchase.status}}',
      body: `Bonjour{{#tenant.name}} à l'équipe de {{tenant.name}}{{/tenant.name}},

Votre achat de crédit WhatsApp d'un montant de {{purchase.amount}} est désormais : {{purchase.status}}.
{{#purchase.reference}}
Référence : {{purchase.reference}}
{{/purchase.reference}}
{{#purchase.failureReason}}
Motif : {{purchase.failureReason}}
{{/purchase.failureReason}}

Vous pouvez suivre votre solde de crédit dans le tableau de bord Kabar.

Cordialement,
L'équipe Kabar`,
    },
    whatsapp: `Bonjour, votre achat de crédit WhatsApp d'un montant de {{purchase.amount}} est désormais : {{purchase.status}}.
Vous pouvez suivre votre solde de crédit dans le tableau de bord Kabar.`,
    sms: 'Kabar : votre achat de crédit WhatsApp de {{purchase.amount}} est désormais : {{purchase.status}}.',
    push: {
      title: 'Achat de crédit WhatsApp',
      body: 'Votre achat de {{purchase.amount}} est désormais : {{purchase.status}}.',
    },
  },

  'billing.bill_generated': {
    email: {
      subject: 'Nouvelle facture {{bill.number}} – {{bill.amount}}',
      body: `Bonjour,

Une nouvelle facture a été émise à {{centre.name}}.

Numéro de facture : {{bill.number}}
Montant : {{bill.amount}}
{{#patient.name}}
Patient : {{patient.name}}
{{/patient.name}}

${AUTO}`,
    },
    whatsapp: "Une nouvelle facture ({{bill.number}}) d'un montant de {{bill.amount}} a été émise à {{centre.name}}.",
    sms: '{{centre.name}} : nouvelle facture {{bill.number}}, {{bill.amount}}{{#patient.name}}, patient : {{patient.name}}{{/patient.name}}.',
    push: {
      title: 'Nouvelle facture',
      body: 'Facture {{bill.number}} : {{bill.amount}}{{#patient.name}} ({{patient.name}}){{/patient.name}}.',
    },
  },

  'billing.refund_processed': {
    email: {
      subject: 'Remboursement effectué – {{refund.amount}}',
      body: `Bonjour,

Un remboursement a été effectué à {{centre.name}}.

Montant : {{refund.amount}}
{{#patient.name}}
Patient : {{patient.name}}
{{/patient.name}}
{{#refund.reason}}
Motif : {{refund.reason}}
{{/refund.reason}}

${AUTO}`,
    },
    whatsapp: 'Un remboursement de {{refund.amount}} a été effectué à {{centre.name}}.',
    sms: '{{centre.name}} : remboursement de {{refund.amount}} effectué{{#patient.name}} pour {{patient.name}}{{/patient.name}}.',
    push: { title: 'Remboursement effectué', body: 'Un remboursement de {{refund.amount}} a été effectué.' },
  },

  'billing.deposit_received': {
    email: {
      subject: 'Acompte reçu – {{deposit.amount}}',
      body: `Bonjour,

Un acompte a été reçu à {{centre.name}}.

Montant : {{deposit.amount}}
{{#patient.name}}
Patient : {{patient.name}}
{{/patient.name}}

${AUTO}`,
    },
    whatsapp: 'Un acompte de {{deposit.amount}} a été reçu à {{centre.name}}.',
    sms: '{{centre.name}} : acompte de {{deposit.amount}} reçu{{#patient.name}} de {{patient.name}}{{/patient.name}}.',
    push: { title: 'Acompte reçu', body: 'Un acompte de {{deposit.amount}} a été reçu.' },
  },

  'package.purchased': {
    email: {
      subject: 'Forfait acheté : {{package.name}}',
      body: `Bonjour,

{{patient.name}} a acheté le forfait {{package.name}} à {{centre.name}}.
{{#package.remainingUses}}
Utilisations disponibles : {{package.remainingUses}}
{{/package.remainingUses}}

${AUTO}`,
    },
    whatsapp: 'Le forfait {{package.name}} a été acheté par {{patient.name}} à {{centre.name}}.',
    sms: '{{centre.name}} : {{patient.name}} a acheté le forfait {{package.name}}.',
    push: { title: 'Forfait acheté', body: '{{patient.name}} a acheté le forfait {{package.name}}.' },
  },

  'package.redeemed': {
    email: {
      subject: 'Forfait utilisé : {{package.name}}',
      body: `Bonjour,

{{patient.name}} a utilisé le forfait {{package.name}} à {{centre.name}}.
{{#package.remainingUses}}
Utilisations restantes : {{package.remainingUses}}
{{/package.remainingUses}}

${AUTO}`,
    },
    whatsapp: 'Le forfait {{package.name}} de {{patient.name}} a été utilisé à {{centre.name}}.',
    sms: '{{centre.name}} : {{patient.name}} a utilisé le forfait {{package.name}}{{#package.remainingUses}} ; utilisations restantes : {{package.remainingUses}}{{/package.remainingUses}}.',
    push: { title: 'Forfait utilisé', body: '{{patient.name}} a utilisé le forfait {{package.name}}.' },
  },

  'package.expired': {
    email: {
      subject: 'Forfait expiré : {{package.name}}',
      body: `Bonjour,

Le forfait {{package.name}} de {{patient.name}} ({{centre.name}}) a expiré.
{{#package.remainingUses}}
Utilisations non consommées : {{package.remainingUses}}
{{/package.remainingUses}}

${AUTO}`,
    },
    whatsapp: 'Le forfait {{package.name}} de {{patient.name}} ({{centre.name}}) a expiré.',
    sms: '{{centre.name}} : le forfait {{package.name}} de {{patient.name}} a expiré.',
    push: { title: 'Forfait expiré', body: 'Le forfait {{package.name}} de {{patient.name}} a expiré.' },
  },

  'package.exhausted': {
    email: {
      subject: 'Forfait épuisé : {{package.name}}',
      body: `Bonjour,

Le forfait {{package.name}} de {{patient.name}} ({{centre.name}}) est épuisé : il ne reste plus aucune utilisation.

${AUTO}`,
    },
    whatsapp: 'Le forfait {{package.name}} de {{patient.name}} ({{centre.name}}) est épuisé.',
    sms: '{{centre.name}} : le forfait {{package.name}} de {{patient.name}} est épuisé.',
    push: { title: 'Forfait épuisé', body: 'Le forfait {{package.name}} de {{patient.name}} est épuisé.' },
  },

  'lab.test_requested': {
    email: {
      subject: "Demande d'analyse : {{test.name}}{{#test.priority}} ({{test.priority}}){{/test.priority}}",
      body: `Bonjour,

Une nouvelle demande d'analyse a été enregistrée à {{centre.name}}.

Analyse : {{test.name}}
Patient : {{patient.name}}
{{#test.priority}}
Priorité : {{test.priority}}
{{/test.priority}}
{{#doctor.name}}
Prescripteur : {{doctor.name}}
{{/doctor.name}}

${AUTO}`,
    },
    whatsapp: "Nouvelle demande d'analyse à {{centre.name}} : {{test.name}} pour {{patient.name}}.",
    sms: '{{centre.name}} : analyse {{test.name}} demandée pour {{patient.name}}{{#test.priority}}, priorité {{test.priority}}{{/test.priority}}.',
    push: {
      title: "Demande d'analyse",
      body: '{{test.name}} pour {{patient.name}}{{#test.priority}} ({{test.priority}}){{/test.priority}}.',
    },
  },

  'credit.insufficient': {
    email: {
      subject: 'Crédit WhatsApp insuffisant – des messages ne sont pas envoyés',
      body: `Bonjour{{#tenant.name}} à l'équipe de {{tenant.name}}{{/tenant.name}},

Un message WhatsApp n'a pas pu être envoyé, car votre crédit WhatsApp est insuffisant.

Solde actuel : {{credit.balance}}
Prix du message : {{credit.required}}

Merci de recharger votre crédit afin que vos patients continuent de recevoir leurs messages WhatsApp. Les messages envoyés par les autres canaux ne sont pas concernés.

Cordialement,
L'équipe Kabar`,
    },
    whatsapp: `Votre crédit WhatsApp est insuffisant (solde : {{credit.balance}}, prix du message : {{credit.required}}).
Merci de le recharger afin que vos patients continuent de recevoir leurs messages WhatsApp.`,
    sms: 'Kabar : crédit WhatsApp insuffisant (solde {{credit.balance}}, requis {{credit.required}}). Merci de recharger votre crédit.',
    push: {
      title: 'Crédit WhatsApp insuffisant',
      body: 'Solde : {{credit.balance}}. Rechargez votre crédit pour continuer à envoyer des messages WhatsApp.',
    },
  },

  'whatsapp.template_status': {
    email: {
      subject: 'Modèle WhatsApp {{template.name}} ({{template.language}}) : {{template.status}}',
      body: `Bonjour{{#tenant.name}} l'équipe {{tenant.name}}{{/tenant.name}},

Meta a changé son verdict sur votre modèle WhatsApp {{template.name}} ({{template.language}}).

Statut : {{template.status}}
{{#template.reason}}
Motif : {{template.reason}}
{{/template.reason}}
{{#template.category}}
Catégorie : {{template.category}}
{{/template.category}}

Tant qu'un modèle est rejeté, suspendu ou désactivé, Kabar ne l'envoie pas (et ne le facture pas) ; un canal de repli est utilisé si vous en avez défini un. Une nouvelle catégorie change le prix des messages suivants.

Cordialement,
L'équipe Kabar`,
    },
    whatsapp:
      'Meta a changé son verdict sur votre modèle WhatsApp {{template.name}} ({{template.language}}) : il est maintenant {{template.status}}. Les détails sont dans votre e-mail et dans Kabar.',
    sms: 'Kabar : le modèle WhatsApp {{template.name}} ({{template.language}}) est maintenant {{template.status}}.',
    push: {
      title: 'Modèle WhatsApp {{template.status}}',
      body: '{{template.name}} ({{template.language}}){{#template.category}}, catégorie {{template.category}}{{/template.category}}.',
    },
  },
};
